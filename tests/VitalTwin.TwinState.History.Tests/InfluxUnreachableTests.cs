using InfluxDB.Client.Core.Exceptions;

namespace VitalTwin.TwinState.History.Tests;

public sealed class InfluxUnreachableTests
{
    [Fact]
    public async Task A_refused_connection_counts_as_transient_and_surfaces_after_the_retries()
    {
        using var host = new StoreHost(new Dictionary<string, string?>
        {
            // Port 1 on loopback: nothing listens there, so every attempt is refused outright.
            ["History:Influx:Url"] = "http://127.0.0.1:1",
            ["History:Influx:Database"] = "vitaltwin",
            ["History:Influx:Token"] = "token",
            ["History:Influx:MaxRetryAttempts"] = "2",
            ["History:Influx:RetryBaseDelay"] = "00:00:00.001",
            ["History:Influx:RetryMaxDelay"] = "00:00:00.010",
        });

        var failure = await Record.ExceptionAsync(() =>
            host.Store.WriteAsync([new VitalPoint("p", "8867-4", 70, "/min", DateTimeOffset.UnixEpoch, "d")], CancellationToken.None));

        // InfluxDB.Client 5.1.0 reports "no response" as HttpException with status 0 around the HttpRequestException.
        var noResponse = Assert.IsType<HttpException>(failure);
        Assert.Equal(0, noResponse.Status);
        Assert.IsType<HttpRequestException>(noResponse.InnerException);
        Assert.True(InfluxWriteResilience.IsTransient(failure, CancellationToken.None), failure.ToString());
    }
}
