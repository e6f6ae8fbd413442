using System.Net;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// <c>/health</c> (readiness) follows Kafka's reachability, through the broker going down and coming back;
/// <c>/alive</c> (liveness) stays with the process, so Kubernetes stops routing to the service but does not restart it.
/// </summary>
public sealed class ServiceHealthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Health_turns_unhealthy_while_the_kafka_broker_is_down_and_healthy_again_when_it_returns_while_alive_stays_up()
    {
        // A cluster of its own with one broker: taking it down must not disturb other tests.
        using var kafka = EmbeddedKafka.Start([], brokerCount: 1);
        await using var service = await ServiceDefaultsHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
                ["Kafka:HealthCheckTimeout"] = "00:00:01",
                ["Kafka:HealthCheckCacheDuration"] = "00:00:00.200",
            },
            output);
        using var http = new HttpClient { BaseAddress = service.Address(), Timeout = Timeout };

        await StatusBecomesAsync(http, "/health", HttpStatusCode.OK);
        kafka.SetBrokerDown(1);
        var down = await StatusBecomesAsync(http, "/health", HttpStatusCode.ServiceUnavailable);
        var aliveWhileDown = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        kafka.SetBrokerUp(1);
        var up = await StatusBecomesAsync(http, "/health", HttpStatusCode.OK);

        Assert.Equal("Unhealthy", down);
        Assert.Equal(HttpStatusCode.OK, aliveWhileDown.StatusCode);
        Assert.Equal("Healthy", up);
    }

    /// <summary>Asks on a short timer until <paramref name="path"/> answers <paramref name="expected"/>; returns the body.</summary>
    private static async Task<string> StatusBecomesAsync(HttpClient http, string path, HttpStatusCode expected)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        HttpStatusCode? last = null;
        try
        {
            do
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), deadline.Token);
                last = response.StatusCode;
                if (last == expected)
                {
                    return await response.Content.ReadAsStringAsync(deadline.Token);
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"{path} did not answer {expected} within {Timeout}; last {last}.");
    }
}
