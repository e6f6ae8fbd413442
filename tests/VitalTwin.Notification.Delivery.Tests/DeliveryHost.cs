using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VitalTwin.Kafka;
using Xunit.Abstractions;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>
/// A host with what Notification's Program adds for delivery: the Kafka plumbing and <c>AddAlertDelivery</c>,
/// configured through configuration keys, as appsettings would. Backoffs are short so that outages of a
/// second or two are ridden out within a test.
/// </summary>
internal sealed class DeliveryHost : IAsyncDisposable
{
    private readonly IHost _host;

    private DeliveryHost(IHost host, TestOutputLoggerProvider log)
    {
        _host = host;
        Log = log;
    }

    public IServiceProvider Services => _host.Services;

    public TestOutputLoggerProvider Log { get; }

    public static Dictionary<string, string?> Configuration(string bootstrapServers, KafkaTopics topics, string groupId, params WebhookSubscription[] subscriptions)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Kafka:GroupId"] = groupId,
            // Short, because the mock makes a group's next member wait this long, less a second, after the last one left;
            // not shorter, because librdkafka heartbeats every 3 s and a session must outlast a late heartbeat.
            ["Kafka:SessionTimeout"] = "00:00:06",
            ["Kafka:Topics:Alerts"] = topics.Alerts,
            ["Kafka:Topics:DeadLetter"] = topics.DeadLetter,
            ["Kafka:Topics:Consent"] = topics.Consent,
            ["Delivery:Source"] = "urn:vitaltwin:test",
            ["Delivery:Resilience:FirstRetryDelay"] = "00:00:00.020",
            ["Delivery:Resilience:MaxRetryDelay"] = "00:00:00.250",
            ["Delivery:Resilience:AttemptTimeout"] = "00:00:05",
            ["Delivery:Resilience:BreakAfterAttempts"] = "5",
            ["Delivery:Resilience:FailureSamplingDuration"] = "00:00:02",
            ["Delivery:Resilience:BreakDuration"] = "00:00:00.500",
            ["Delivery:Resilience:ConsumerRestartDelay"] = "00:00:00.100",
        };
        for (var i = 0; i < subscriptions.Length; i++)
        {
            var subscription = subscriptions[i];
            settings[$"Delivery:Webhooks:{i}:Name"] = subscription.Name;
            settings[$"Delivery:Webhooks:{i}:Url"] = subscription.Url;
            settings[$"Delivery:Webhooks:{i}:Format"] = subscription.Format.ToString();
            settings[$"Delivery:Webhooks:{i}:MinPriority"] = subscription.MinPriority?.ToString();
            settings[$"Delivery:Webhooks:{i}:Secret"] = subscription.Secret;
        }
        return settings;
    }

    /// <summary>A Development host unless <paramref name="environment"/> says otherwise: the receivers are plain http on loopback.</summary>
    public static IHost Build(
        IDictionary<string, string?> settings, ITestOutputHelper? output, out TestOutputLoggerProvider log, Action<IServiceCollection>? services = null, string? environment = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "VitalTwin.Notification.Delivery.Tests",
            DisableDefaults = true,
            EnvironmentName = environment ?? Environments.Development,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        log = new TestOutputLoggerProvider(output);
        builder.Logging.ClearProviders().AddProvider(log).SetMinimumLevel(LogLevel.Information);
        builder.Services.AddSingleton(log);
        // How long a stopping host lets a delivery in flight finish before it abandons it (the default is 30 s).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        services?.Invoke(builder.Services);
        builder.Services.AddKafka();
        builder.AddAlertDelivery();
        return builder.Build();
    }

    public static async Task<DeliveryHost> StartAsync(IDictionary<string, string?> settings, ITestOutputHelper output)
    {
        var host = Build(settings, output, out var log);
        await host.StartAsync(CancellationToken.None);
        return new DeliveryHost(host, log);
    }

    /// <summary>Stops the host as a deployment would: consumers close and commit what they stored.</summary>
    public Task StopAsync() => _host.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }

    public static WebhookSubscription Subscription(string url, WebhookFormat format = WebhookFormat.Json, string? secret = null) => new()
    {
        Name = Unique.Name("sub"),
        Url = url,
        Format = format,
        Secret = secret,
    };
}
