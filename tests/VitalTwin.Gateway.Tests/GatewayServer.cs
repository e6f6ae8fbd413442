using System.Collections.Concurrent;
using Confluent.Kafka;
using Metadata = Grpc.Core.Metadata;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Gateway.Extensions;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Tests;

/// <summary>
/// The Gateway as it runs in production (its appsettings.json, the service defaults, Kestrel speaking HTTP/2 on
/// a free loopback port) against an embedded Kafka with topics of its own, on a clock the test sets.
/// Every log line at Information or above is kept, so a test can check none names a patient or device.
/// API callers' tokens come from an in-process issuer the Gateway trusts; devices get their keys by registering.
/// </summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _log;
    private readonly LocalTokenIssuer _issuer;

    private GatewayServer(WebApplication app, ConcurrentQueue<string> log, KafkaTopics topics, string bootstrapServers, LocalTokenIssuer issuer, NamedEndpoints endpoints)
    {
        _app = app;
        _log = log;
        _issuer = issuer;
        Topics = topics;
        BootstrapServers = bootstrapServers;
        Addresses = [.. app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses];
        GrpcAddress = endpoints.Address("Grpc");
        HttpAddress = endpoints.Address("Http");
        Channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null });
    }

    /// <summary>A plain HTTP/2 channel to <see cref="GrpcAddress"/>; calls carry their credentials in their headers (<see cref="Device"/>, <see cref="Bearer"/>).</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Every address the Gateway listens on, whatever its endpoint.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>The shipped <c>Grpc</c> endpoint, as bound (plain HTTP/2).</summary>
    public Uri GrpcAddress { get; }

    /// <summary>The shipped <c>Http</c> endpoint, as bound (HTTP/2 unless the test's host settings say otherwise; FHIR is served there too).</summary>
    public Uri HttpAddress { get; }

    /// <summary>Headers of a call by the hospital's registration system.</summary>
    public Metadata Registrar => Bearer(Roles.Registrar);

    public KafkaTopics Topics { get; }

    public string BootstrapServers { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The MQTT door's listeners, as bound (<c>mqtt://</c> plain, <c>mqtts://</c> TLS).</summary>
    public IReadOnlyList<Uri> MqttAddresses => Services.GetRequiredService<VitalTwin.Gateway.Mqtt.MqttListeners>().Addresses;

    /// <summary>Lines logged at Information or above.</summary>
    public IReadOnlyCollection<string> Log => _log;

    public static KafkaTopics NewTopics() => new()
    {
        Telemetry = $"test-telemetry-{Guid.NewGuid():N}",
        TelemetryRejected = $"test-rejected-{Guid.NewGuid():N}",
        Devices = $"test-devices-{Guid.NewGuid():N}",
        Audit = $"test-audit-{Guid.NewGuid():N}",
    };

    /// <summary>Headers of a call by the device whose key is <paramref name="credential"/>.</summary>
    public static Metadata Device(string credential) => new() { { "authorization", $"Device {credential}" } };

    /// <summary>Headers of an API call with a bearer token carrying <paramref name="roles"/>.</summary>
    public Metadata Bearer(params string[] roles) => new() { { "authorization", $"Bearer {Token("test-caller", roles)}" } };

    /// <summary>A bearer token for <paramref name="subject"/> with <paramref name="roles"/>, as the Gateway's token issuer signs them.</summary>
    public string Token(string subject, params string[] roles) =>
        // Valid both on the test's fake clock and on the real one, whichever the token handler reads.
        _issuer.Mint(subject, roles, lifetime: TimeSpan.FromDays(3_650), notBefore: Readings.Now.AddDays(-1));

    /// <summary>
    /// Registers the device (bound an hour before <see cref="Readings.Now"/> unless told) and returns its new key;
    /// <paramref name="ingestSystem"/> names the system that may send its readings in its stead.
    /// </summary>
    public async Task<string> RegisterAsync(string device, string patient, DateTimeOffset? boundFrom = null, string ingestSystem = "")
    {
        var response = await new DeviceRegistry.DeviceRegistryClient(Channel).RegisterDeviceAsync(
            new RegisterDeviceRequest
            {
                DeviceId = device,
                PatientId = patient,
                BoundFrom = Timestamp.FromDateTimeOffset(boundFrom ?? Readings.Now.AddHours(-1)),
                IngestSystem = ingestSystem,
            },
            Registrar);
        return response.DeviceCredential;
    }

    public async Task RevokeAsync(string device, string reason = "lost") =>
        await new DeviceRegistry.DeviceRegistryClient(Channel).RevokeDeviceAsync(new RevokeDeviceRequest { DeviceId = device, Reason = reason }, Registrar);

    /// <summary>
    /// Creates <paramref name="topics"/>' topics on <paramref name="kafka"/> (one partition each, so records keep their
    /// order) unless <paramref name="restart"/>: then they hold what an earlier Gateway wrote. <paramref name="gateway"/>
    /// settings go under <c>Gateway:</c>, <paramref name="host"/> settings as they are (e.g. Kestrel endpoints).
    /// </summary>
    public static async Task<GatewayServer> StartAsync(
        EmbeddedKafka kafka,
        KafkaTopics topics,
        TimeProvider clock,
        IReadOnlyDictionary<string, string?>? gateway = null,
        IReadOnlyDictionary<string, string?>? host = null,
        bool restart = false)
    {
        if (!restart)
        {
            foreach (var topic in new[] { topics.Telemetry, topics.TelemetryRejected, topics.Devices, topics.Audit })
            {
                kafka.CreateTopic(new TopicSpec(topic, 1, Compacted: false));
            }
        }
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "VitalTwin.Gateway",
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var settings = new Dictionary<string, string?>
        {
            // The shipped endpoints, moved to free ports; both speak HTTP/2 so either address takes gRPC.
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Mqtt:Url"] = "http://127.0.0.1:0",
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:Topics:Telemetry"] = topics.Telemetry,
            ["Kafka:Topics:TelemetryRejected"] = topics.TelemetryRejected,
            ["Kafka:Topics:Devices"] = topics.Devices,
            ["Kafka:Topics:Audit"] = topics.Audit,
        };
        foreach (var (key, value) in gateway ?? new Dictionary<string, string?>())
        {
            settings[$"Gateway:{key}"] = value;
        }
        var issuer = new LocalTokenIssuer();
        foreach (var (key, value) in issuer.ServiceConfiguration)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in host ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(settings);
        var log = new ConcurrentQueue<string>();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CapturingLoggerProvider(log));
        builder.AddServiceDefaults();
        builder.AddGateway();
        builder.Services.AddSingleton(clock);
        // Kestrel's address list does not say which endpoint an address is; its named endpoints' options do, once bound.
        var endpoints = new NamedEndpoints();
        builder.Services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            foreach (var name in new[] { "Grpc", "Http" })
            {
                kestrel.ConfigurationLoader?.Endpoint(name, endpoint => endpoints.Add(name, endpoint.ListenOptions, endpoint.IsHttps));
            }
        });
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGateway();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            issuer.Dispose();
            await app.DisposeAsync();
            throw;
        }
        return new GatewayServer(app, log, topics, kafka.BootstrapServers, issuer, endpoints);
    }

    /// <summary>The listen options of named Kestrel endpoints, read for their bound port once the server started.</summary>
    private sealed class NamedEndpoints
    {
        private readonly ConcurrentDictionary<string, (ListenOptions Options, bool IsHttps)> _byName = new(StringComparer.Ordinal);

        public void Add(string name, ListenOptions options, bool isHttps) => _byName[name] = (options, isHttps);

        public Uri Address(string name)
        {
            var (options, isHttps) = _byName[name];
            return new Uri($"{(isHttps ? "https" : "http")}://{options.IPEndPoint}");
        }
    }

    /// <summary>Every record on <paramref name="topic"/> (one partition), from the start to its end as of now.</summary>
    public IReadOnlyList<ConsumeResult<string, byte[]>> ReadAll(string topic)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = $"test-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var partition = new TopicPartition(topic, 0);
        var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
        var records = new List<ConsumeResult<string, byte[]>>();
        if (end == 0)
        {
            return records;
        }
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (records.Count == 0 || records[^1].Offset.Value < end - 1)
        {
            var record = consumer.Consume(deadline.Token);
            if (record?.Message is not null)
            {
                records.Add(record);
            }
        }
        return records;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _issuer.Dispose();
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.Message}");
                }
            }
        }
    }
}
