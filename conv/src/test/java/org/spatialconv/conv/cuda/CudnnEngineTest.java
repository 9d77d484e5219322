package org.spatialconv.conv.cuda;

/** The backend contract with cuDNN computing every problem it can take (see {@link FastPathContractTest}). */
class CudnnEngineTest extends FastPathContractTest {
    @Override
    String engine() {
        return OptionalLibraries.CUDNN;
    }

    @Override
    int minimumProblems() {
        return CASES;
    }
}
