package org.spatialconv.mpj;

import org.spatialconv.decomposition.comm.CommunicatorContractTest;
import org.spatialconv.decomposition.comm.RankLauncher;
import org.spatialconv.mpj.launch.MpjThreadsLauncher;

/** MPJ Express (niodev over loopback, ranks as isolated threads) against the shared communicator contract. */
class MpjCommunicatorContractTest extends CommunicatorContractTest {
    private static final RankLauncher LAUNCHER = new MpjThreadsLauncher();

    @Override
    protected RankLauncher launcher() {
        return LAUNCHER;
    }
}
