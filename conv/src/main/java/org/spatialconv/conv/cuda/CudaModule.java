package org.spatialconv.conv.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/** A loaded module (the kernels' fatbin) with a cache of its functions, and the one place kernels are launched. */
public final class CudaModule extends ContextResource implements KernelLauncher {
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();

    CudaModule(CudaContext context, byte[] image, String name) {
        super(context, 0);
        CudaCheck.check(cuModuleLoadData(module, image), "cuModuleLoadData(" + name + ")");
        track("CudaModule " + name);
    }

    /** The named kernel (cached). */
    public synchronized CUfunction function(String name) {
        requireOpen("module");
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            CudaCheck.check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    @Override
    public void launch(String kernel, int[] grid, int block, CudaStream stream, KernelArgs args) {
        context.makeCurrent();
        CUfunction f = function(kernel);
        CudaCheck.check(cuLaunchKernel(f, grid[0], grid[1], grid[2], block, 1, 1, 0, stream.handle(), args.build(),
                null), "cuLaunchKernel(" + kernel + ")");
    }

    @Override
    void release() {
        CudaCheck.check(cuModuleUnload(module), "cuModuleUnload");
    }
}
