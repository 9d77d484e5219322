package org.spatialconv.mpj;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.mpj.launch.RankTask;

/**
 * Fault injection inside rank processes. Arguments: {@code MODE FAULTY_RANK MARKER_DIR}. Every rank first writes
 * {@code MARKER_DIR/rank-R.started}, then loops allreduces until the fault stops the job:
 * <ul>
 *   <li>{@code throw}: the faulty rank throws after a few rounds;</li>
 *   <li>{@code spin}: nobody fails by itself (the test kills or stops a process);</li>
 *   <li>{@code hang}: the faulty rank stops communicating (sleeps) after a few rounds;</li>
 *   <li>{@code timeout}: every rank checks that an unanswered receive times out, then finishes cleanly.</li>
 * </ul>
 */
public class FaultTask implements RankTask {
    /** Message of the injected exception; tests look for it in the launcher's error. */
    public static final String INJECTED = "injected failure";

    @Override
    public void run(Communicator world, List<String> args) throws Exception {
        String mode = args.get(0);
        int faulty = Integer.parseInt(args.get(1));
        Path markers = Path.of(args.get(2));
        world.barrier();
        Files.writeString(markers.resolve("rank-" + world.rank() + ".started"), "");
        if (mode.equals("timeout")) {
            ContractTask.expectTimeout(world);
            world.barrier();
            return;
        }
        float[] buf = new float[1024];
        for (long round = 0; ; round++) {
            if (round == 20 && world.rank() == faulty) {
                if (mode.equals("throw")) {
                    throw new IllegalStateException(INJECTED + " on rank " + faulty);
                }
                if (mode.equals("hang")) {
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
            world.allreduceSum(buf, 0, buf.length);
            if (round % 16 == 0) {
                Thread.sleep(10);
            }
        }
    }
}
