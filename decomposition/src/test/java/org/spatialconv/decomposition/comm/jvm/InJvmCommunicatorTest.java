package org.spatialconv.decomposition.comm.jvm;

import org.spatialconv.decomposition.comm.CommunicatorContractTest;
import org.spatialconv.decomposition.comm.RankLauncher;

/** The in-JVM transport against the communicator contract. */
class InJvmCommunicatorTest extends CommunicatorContractTest {
    @Override
    protected RankLauncher launcher() {
        return InJvmWorld.INSTANCE;
    }
}
