using System.Diagnostics;
using VitalTwin.Load.Measurement;

namespace VitalTwin.Load.Tests;

public sealed class ProcessSamplerTests
{
    [Fact]
    public async Task A_service_that_exited_before_sampling_began_is_named_in_a_failed_run_not_an_argument_error()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();

        var error = Assert.Throws<InvalidOperationException>(() => new ProcessSampler([("TwinState-2", exited.Id)], TimeProvider.System));

        Assert.Contains("TwinState-2 exited before the run began", error.Message, StringComparison.Ordinal);
    }
}
