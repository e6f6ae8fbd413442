using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.TwinState.Tests;

namespace VitalTwin.Notification.Tests;

/// <summary>
/// Two Notification replicas in one consumer group, as <see cref="SecuredNotification.StartAsync"/> wires each, on
/// topics of two partitions of an embedded Kafka of their own: each holds one partition and knows where the other's
/// is served. Tests raise alerts for patients of their own and call under subjects of their own.
/// </summary>
public sealed class NotificationReplicas : IAsyncLifetime
{
    private const int Partitions = 2;

    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start([]);
    private readonly List<GrpcChannel> _channels = [];

    public LocalTokenIssuer Tokens { get; } = new();

    public KafkaTopics Topics { get; } = SecuredNotification.UniqueTopics();

    public WebApplication First { get; private set; } = null!;

    public WebApplication Second { get; private set; } = null!;

    public string BootstrapServers => _kafka.BootstrapServers;

    public async Task InitializeAsync()
    {
        foreach (var topic in new[] { Topics.Anomalies, Topics.TwinEvents, Topics.Alerts, Topics.Audit, Topics.Consent })
        {
            _kafka.CreateTopic(new TopicSpec(topic, Partitions, Compacted: false));
        }
        _kafka.CreateTopic(new TopicSpec(Topics.DeadLetter, 1, Compacted: false));
        _kafka.CreateTopic(new TopicSpec(Topics.Members, 1, Compacted: false));
        _kafka.CreateTopic(new TopicSpec(Topics.PatientSettings, Partitions, Compacted: true));
        var settings = new Dictionary<string, string?>
        {
            ["Kafka:GroupId"] = $"test-notification-{Guid.NewGuid():N}",
            // The mock holds a rebalance until every member rejoined or timed out, so a short session timeout.
            ["Kafka:SessionTimeout"] = "00:00:06",
        };
        First = await SecuredNotification.StartAsync(_kafka.BootstrapServers, Topics, Tokens, settings);
        Second = await SecuredNotification.StartAsync(_kafka.BootstrapServers, Topics, Tokens, settings);
        string first = SecuredNotification.AddressOf(First), second = SecuredNotification.AddressOf(Second);
        await SecuredNotification.WaitUntilAsync(
            () => Directory(First).OtherHolders() is [var other] && other == second && Directory(Second).OtherHolders() is [var back] && back == first,
            TimeSpan.FromSeconds(60));
    }

    /// <summary>A graceful stop of the second replica, as on SIGTERM: it leaves the group and the first takes its partitions.</summary>
    public Task StopSecondAsync() => Second.StopAsync();

    /// <summary>Whether <paramref name="replica"/> has taken over every partition and says so to the others.</summary>
    public static bool HoldsEveryPartition(WebApplication replica) => Directory(replica).OtherHolders() is { Count: 0 };

    public static AlertBook Book(WebApplication replica) => replica.Services.GetRequiredService<AlertBook>();

    /// <summary>A patient of the partition <paramref name="replica"/> holds, named after <paramref name="prefix"/>.</summary>
    public static string PatientHeldBy(WebApplication replica, string prefix) =>
        Enumerable.Range(1, 64).Select(n => $"{prefix}-{Guid.NewGuid():N}").First(patientId => Directory(replica).OwnerOf(patientId).IsLocal);

    public AlertDesk.AlertDeskClient Desk(WebApplication replica, string bearerToken)
    {
        var channel = ApiCallers.Channel(SecuredNotification.AddressOf(replica), bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return new AlertDesk.AlertDeskClient(channel);
    }

    /// <summary>Raises a NEWS2 alert for <paramref name="patientId"/> on <paramref name="ward"/> and waits until its holder's book has it.</summary>
    public async Task<AlertView> RaiseAsync(string patientId, string ward, DateTimeOffset at)
    {
        var producer = First.Services.GetRequiredService<EventProducer>();
        await SecuredNotification.PublishNews2Async(producer, Topics, patientId, ward, total: 7, at, pulse: 131);
        AlertView? raised = null;
        await SecuredNotification.WaitUntilAsync(() => (raised = HeldAlertOf(patientId)) is not null);
        return raised!;
    }

    private AlertView? HeldAlertOf(string patientId) =>
        new[] { First, Second }
            .SelectMany(replica => Book(replica).List(new AlertFilter { PatientId = patientId }, 1, null).Page)
            .FirstOrDefault();

    private static OwnershipDirectory Directory(WebApplication replica) => replica.Services.GetRequiredService<OwnershipDirectory>();

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        foreach (var replica in new[] { Second, First })
        {
            if (replica is not null)
            {
                await replica.StopAsync();
                await replica.DisposeAsync();
            }
        }
        _kafka.Dispose();
        Tokens.Dispose();
    }
}
