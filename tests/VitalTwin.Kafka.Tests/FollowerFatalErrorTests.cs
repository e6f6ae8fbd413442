using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Consent;
using VitalTwin.Kafka.Embedded;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// A follower that meets an error no retry mends stops its service. (A cluster of its own: the injected errors go to
/// whichever client fetches next.)
/// </summary>
public sealed class FollowerFatalErrorTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_fatal_error_while_following_stops_the_service_rather_than_let_it_decide_on_a_stale_book()
    {
        var topics = new KafkaTopics { Consent = Unique.Name("consent") };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Consent, 1, Compacted: true));
        var logs = new LogCapture();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var lifetime = new ApplicationLifetime(loggers.CreateLogger<ApplicationLifetime>());
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStopping.Register(stopping.SetResult);
        using var follower = new ConsentFollower(
            new ConsentBook(WithoutConsentRecord.Monitor),
            Options.Create(new KafkaOptions { BootstrapServers = cluster.Kafka.BootstrapServers }),
            Options.Create(topics),
            TimeProvider.System,
            new KafkaMetrics(meters.GetRequiredService<IMeterFactory>()),
            lifetime,
            loggers.CreateLogger<ConsentFollower>());
        await follower.StartAsync(CancellationToken.None);
        try
        {
            // The cluster's ACLs refuse the topic from now on: no retry mends that until an operator acts.
            cluster.Kafka.PushRequestErrors(KafkaApi.Fetch, ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);

            await stopping.Task.WaitAsync(Clients.Timeout);
        }
        finally
        {
            await follower.StopAsync(CancellationToken.None);
        }

        Assert.Contains(logs.Lines, line => line.Level == LogLevel.Critical && line.Line.Contains("stopping the service", StringComparison.Ordinal));
    }
}
