package org.spatialconv.mpj;

import java.util.List;
import org.spatialconv.decomposition.comm.Communicator;
import org.spatialconv.mpj.launch.RankTask;

/** Minimal ring exchange used to check that ranks start and talk. */
public class SmokeTask implements RankTask {
    @Override
    public void run(Communicator world, List<String> args) {
        int n = world.size();
        int r = world.rank();
        float[] out = {r};
        float[] in = new float[1];
        var s = world.isend(out, 0, 1, (r + 1) % n, 7);
        world.recv(in, 0, 1, (r + n - 1) % n, 7);
        s.await();
        if (in[0] != (r + n - 1) % n) {
            throw new IllegalStateException("ring got " + in[0]);
        }
        float[] sum = {r + 1};
        world.allreduceSum(sum, 0, 1);
        System.out.println("rank " + r + " ok sum=" + sum[0]);
    }
}
