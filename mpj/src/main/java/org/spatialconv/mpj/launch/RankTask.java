package org.spatialconv.mpj.launch;

import java.util.List;
import org.spatialconv.decomposition.comm.Communicator;

/**
 * The program each rank process runs. Implementations need a public no-argument constructor; the launcher names
 * them by class. Throwing fails the whole job: every other rank is aborted with this rank's cause.
 */
public interface RankTask {
    /**
     * Runs this rank's share of the work.
     *
     * @param world the communicator over all ranks; owned by the runtime, do not close it
     * @param args  the task arguments given to the launcher
     */
    void run(Communicator world, List<String> args) throws Exception;
}
