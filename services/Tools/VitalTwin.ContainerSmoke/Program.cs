using VitalTwin.ContainerSmoke;
using VitalTwin.DevHost;

// ./build.sh --target=Containers (after Images): the four services as containers, smoke-tested; options in SmokeOptions.
var options = SmokeOptions.Parse(args);
using var stop = new StopSignal();
try
{
    await new ContainerSmoke(options, Console.Out).RunAsync(stop.Token);
    Console.WriteLine("Containers smoke: passed");
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException or Grpc.Core.RpcException)
{
    Console.Error.WriteLine($"Containers smoke: failed: {e.Message}");
    return 1;
}
