using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace VitalTwin.Notification.Delivery.Tests;

public sealed class SupervisionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_consumer_loop_that_dies_is_started_again_and_the_last_one_is_stopped_with_the_host()
    {
        var started = new List<FlakyService>();
        var secondRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var log = new TestOutputLoggerProvider(output);
        var logger = log.CreateLogger("Supervision");

        var supervising = Supervision.RunAsync(
            "ehr",
            () => new FlakyService(failing: started.Count == 0, secondRunning),
            started.Add,
            TimeSpan.FromMilliseconds(1),
            TimeProvider.System,
            logger,
            stop.Token,
            CancellationToken.None);
        await secondRunning.Task.WaitAsync(Signal.Timeout);
        await stop.CancelAsync();
        await supervising.WaitAsync(Signal.Timeout);

        Assert.Equal(2, started.Count);
        Assert.True(started[0].ExecuteTask!.IsFaulted);
        Assert.True(started[1].StoppedCleanly);
        var failure = await log.WaitForAsync(e => e.Message.StartsWith("Delivery to ehr stopped on an error", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, failure.Level);
    }

    private sealed class FlakyService(bool failing, TaskCompletionSource running) : BackgroundService
    {
        public bool StoppedCleanly { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            if (failing)
            {
                throw new InvalidOperationException("Kafka said no.");
            }
            running.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                StoppedCleanly = true;
            }
        }
    }
}
