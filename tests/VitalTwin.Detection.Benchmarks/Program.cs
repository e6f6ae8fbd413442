using BenchmarkDotNet.Running;

// Arguments are BenchmarkDotNet's own: ./build.sh --target=Bench passes --filter <glob> --artifacts <dir>.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
