using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DevHost;

/// <summary>
/// Where a running service instance answers; <paramref name="Name"/> is the instance's (<c>TwinState-2</c>, or the
/// service's when it runs once). A Gateway also has its MQTT listener and its HL7 v2 (MLLP) listener; FHIR is on its HTTP address.
/// </summary>
public sealed record ServiceEndpoints(string Name, Uri Grpc, Uri Http, Uri? Mqtt = null, Uri? Hl7 = null);

/// <summary>
/// Embedded Kafka with VitalTwin's topics and the four services, each instance in its own process on free
/// loopback ports. Used by the one-machine demo and by the end-to-end tests. With several replicas, the instances
/// of a service share its consumer group, as replicas of a Deployment do, and are named <c>TwinState-1</c>,
/// <c>TwinState-2</c>, ... in their output; instances can be killed, restarted, added and removed while it runs.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly (string Name, string Assembly)[] Services =
    [
        ("Gateway", "VitalTwin.Gateway"),
        ("AnomalyDetection", "VitalTwin.AnomalyDetection"),
        ("TwinState", "VitalTwin.TwinState"),
        ("Notification", "VitalTwin.Notification"),
    ];

    /// <summary>
    /// The HL7 v2 sender every Gateway here accepts from this machine's loopback address: register devices with it as
    /// their ingest system. The Gateways' HL7 addresses carry it (<c>mllp://local-monitor-gateway@127.0.0.1:port</c>).
    /// </summary>
    public const string LocalHl7Sender = "local-monitor-gateway";

    // The consumer groups that read the telemetry topic, as their services' appsettings.json name them.
    private const string TwinStateGroup = "vitaltwin-twin-state";
    private const string AnomalyDetectionGroup = "vitaltwin-anomaly-detection";

    // Ports handed out by any cluster in this process: tests run several clusters side by side.
    private static readonly HashSet<int> Ports = [];

    // Service instances in start order; a test adds and removes them while other tasks look them up, under _gate.
    private readonly List<ServiceInstance> _instances = [];
    private readonly Lock _gate = new();
    // Other programs started with the cluster (the simulator, say).
    private readonly List<ServiceProcess> _programs = [];
    private readonly Dictionary<string, int> _lastInstanceNumber = new(StringComparer.Ordinal);
    private readonly LocalClusterOptions _options;

    private LocalCluster(EmbeddedKafka kafka, KafkaTopics topics, LocalClusterOptions options)
    {
        Kafka = kafka;
        Topics = topics;
        _options = options;
    }

    public EmbeddedKafka Kafka { get; }

    /// <summary>
    /// The identity provider every service trusts here: a signing key that lives only in this process, so a
    /// token for this cluster is worthless anywhere else. Tests and the simulator get their tokens from it.
    /// </summary>
    public LocalTokenIssuer Tokens { get; } = new();

    public KafkaTopics Topics { get; }

    /// <summary>Each service's first running instance, by service name.</summary>
    public IReadOnlyDictionary<string, ServiceEndpoints> Endpoints =>
        Snapshot().GroupBy(i => i.Service).ToDictionary(g => g.Key, g => g.First().Endpoints, StringComparer.Ordinal);

    /// <summary>The first running instance of <paramref name="service"/>.</summary>
    public ServiceEndpoints this[string service] => InstancesOf(service)[0];

    /// <summary>Every instance of every service, in start order.</summary>
    public IReadOnlyList<ServiceEndpoints> Instances => Snapshot().Select(i => i.Endpoints).ToList();

    /// <summary>The instances of <paramref name="service"/>, running or killed and not yet restarted, in start order.</summary>
    public IReadOnlyList<ServiceEndpoints> InstancesOf(string service) =>
        Snapshot().Where(i => i.Service == service).Select(i => i.Endpoints).ToList() is { Count: > 0 } found
            ? found
            : throw new ArgumentException($"No instance of {service} runs.", nameof(service));

    /// <summary>
    /// A channel to <paramref name="service"/> whose calls carry <paramref name="bearerToken"/> (none when null).
    /// Device ingestion calls are left without it: a device presents its own credential, and a request carries one.
    /// </summary>
    public GrpcChannel Channel(string service, string? bearerToken)
    {
        var options = new GrpcChannelOptions();
        if (bearerToken is not null)
        {
            var bearer = CallCredentials.FromInterceptor((context, metadata) =>
            {
                if (!context.ServiceUrl.EndsWith('/' + VitalSignIngestion.Descriptor.FullName, StringComparison.Ordinal))
                {
                    metadata.Add("Authorization", $"Bearer {bearerToken}");
                }
                return Task.CompletedTask;
            });
            // The local cluster serves plaintext HTTP/2 on loopback; a deployment serves TLS.
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer);
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(Find(service).Endpoints.Grpc, options);
    }

    /// <summary>The running processes, services first, for tools that measure them (CPU, memory).</summary>
    public IReadOnlyList<ServiceProcess> Processes => [.. Snapshot().Select(i => i.Process), .. _programs];

    /// <summary>Starts Kafka and every service, and returns once each instance answers its readiness probe.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Replicas, 1);
        var topics = new KafkaTopics();
        var cluster = new LocalCluster(EmbeddedKafka.Start(topics.Specs(options.Partitions)), topics, options);
        try
        {
            foreach (var (name, _) in Services)
            {
                for (var replica = 0; replica < options.Replicas; replica++)
                {
                    cluster.Launch(name, numbered: options.Replicas > 1);
                }
            }
            await cluster.WaitUntilReadyAsync(cluster.Instances, options.StartTimeout, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the ward dashboard, reading from the first TwinState and Notification instances (any replica answers
    /// for every patient), with the local sign-in page offering <paramref name="wards"/>; returns its address once
    /// it is ready. Its sign-in mints tokens with this cluster's issuer, whose key it is handed.
    /// </summary>
    public async Task<Uri> StartDashboardAsync(IReadOnlyList<string> wards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wards);
        var url = FreeLoopbackUri();
        var environment = new Dictionary<string, string>(_options.Environment, StringComparer.Ordinal)
        {
            ["Kestrel__Endpoints__Http__Url"] = url.ToString(),
            ["Dashboard__TwinState"] = this["TwinState"].Grpc.ToString(),
            ["Dashboard__Notification"] = this["Notification"].Grpc.ToString(),
            ["Dashboard__SignIn__Mode"] = "Local",
            ["Dashboard__SignIn__LocalSigningKey"] = Tokens.ExportPrivateKeyPem(),
            ["Dashboard__SignIn__LocalIssuer"] = Tokens.Issuer,
            ["Dashboard__SignIn__LocalAudience"] = Tokens.Audience,
        };
        for (var i = 0; i < wards.Count; i++)
        {
            environment[$"Dashboard__SignIn__LocalWards__{i}"] = wards[i];
        }
        var process = StartProgram("Dashboard", "VitalTwin.Dashboard", environment, _options.Output);
        var endpoints = new ServiceEndpoints("Dashboard", url, url);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (!await IsReadyAsync(http, endpoints, deadline.Token))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("The dashboard exited during start-up; its output above says why.");
                }
                await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The dashboard was not ready within {_options.StartTimeout}.");
        }
        return url;
    }

    /// <summary>Starts another VitalTwin program (the simulator, say) that is stopped with the cluster.</summary>
    public ServiceProcess StartProgram(string name, string assembly, IReadOnlyDictionary<string, string> environment, Action<string, string> output)
    {
        var process = ServiceProcess.Start(name, assembly, environment, output);
        _programs.Add(process);
        return process;
    }

    /// <summary>
    /// Stops a service instance (a service's name means its first) the way Kubernetes would (SIGTERM, so it finishes
    /// in-flight work and hands its partitions back), or with <paramref name="crash"/> kills it outright, and starts it
    /// again on the same ports; returns once it is ready. An instance killed by <see cref="KillAsync"/> is started again.
    /// </summary>
    public async Task RestartAsync(string instance, TimeSpan timeout, CancellationToken cancellationToken, bool crash = false)
    {
        var found = Find(instance);
        if (crash)
        {
            await found.Process.KillAsync();
        }
        await found.Process.DisposeAsync();
        found.Process = ServiceProcess.Start(found.Endpoints.Name, found.Assembly, found.Environment, _options.Output);
        await WaitUntilReadyAsync([found.Endpoints], timeout, cancellationToken);
    }

    /// <summary>
    /// Kills a service instance outright (SIGKILL on Linux), as a crash or an OOM kill would: nothing is flushed,
    /// committed or handed back, and its group notices only when its session times out. It stays down until
    /// <see cref="RestartAsync"/>.
    /// </summary>
    public Task KillAsync(string instance) => Find(instance).Process.KillAsync();

    /// <summary>Starts one more instance of <paramref name="service"/> on ports of its own, and returns once it is ready.</summary>
    public async Task<ServiceEndpoints> AddInstanceAsync(string service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var added = Launch(service, numbered: true);
        await WaitUntilReadyAsync([added.Endpoints], timeout, cancellationToken);
        return added.Endpoints;
    }

    /// <summary>Stops a service instance as a scale-down would (SIGTERM: it hands its partitions back) and forgets it.</summary>
    public async Task RemoveInstanceAsync(string instance)
    {
        var found = Find(instance);
        lock (_gate)
        {
            _instances.Remove(found);
        }
        await found.Process.DisposeAsync();
    }

    private ServiceInstance Launch(string service, bool numbered)
    {
        var assembly = Services.First(s => s.Name == service).Assembly;
        // Instance numbers are never reused, so a removed instance's output is not mistaken for a later one's.
        var number = _lastInstanceNumber[service] = _lastInstanceNumber.GetValueOrDefault(service) + 1;
        var gateway = service == "Gateway";
        var endpoints = new ServiceEndpoints(
            numbered ? $"{service}-{number}" : service,
            FreeLoopbackUri(),
            FreeLoopbackUri(),
            gateway ? FreeLoopbackUri("mqtt") : null,
            gateway ? new UriBuilder(FreeLoopbackUri("mllp")) { UserName = LocalHl7Sender }.Uri : null);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (gateway)
        {
            // Every door open, on ports of its own. An HL7 v2 sender on this machine is the demo's monitor gateway.
            environment["Kestrel__Endpoints__Mqtt__Url"] = $"http://{endpoints.Mqtt!.Authority}";
            environment["Gateway__Hl7__Enabled"] = "true";
            environment["Kestrel__Endpoints__Hl7__Url"] = $"http://127.0.0.1:{endpoints.Hl7!.Port}";
            environment["Gateway__Hl7__Senders__0__Name"] = LocalHl7Sender;
            environment["Gateway__Hl7__Senders__0__Networks__0"] = "127.0.0.1";
            // Seconds of CPU at every start that the tests' clusters, which post no FHIR, cannot spare; the first FHIR request builds the validator.
            environment["Gateway__Fhir__WarmUp"] = "false";
            // The mock cluster keeps about 5 MiB a partition and drops older records silently: the Gateway refuses
            // readings before the telemetry topic's consumer groups lag that far behind (README, "Back-pressure").
            environment["Gateway__Backpressure__Groups__0"] = TwinStateGroup;
            environment["Gateway__Backpressure__Groups__1"] = AnomalyDetectionGroup;
        }
        // That lag counts from the groups' committed offsets, which TwinState and AnomalyDetection store at their
        // checkpoints: at the default 30 s a partition takes more than the mock keeps (about 11k readings) before its
        // offsets move, so checkpoint often enough that the committed offsets stay inside what the mock holds.
        environment["TwinState__Durability__CheckpointInterval"] = "00:00:01";
        environment["Detection__CheckpointInterval"] = "00:00:01";
        foreach (var (key, value) in _options.Environment)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
            // The mock keeps a restarted member out of its group for the whole session timeout.
            ["Kafka__SessionTimeout"] = "00:00:06",
            // The mock cluster holds an empty fetch for the whole wait: keep each hop's share of the latency small.
            ["Kafka__FetchWaitMax"] = "00:00:00.010",
            ["Kestrel__Endpoints__Grpc__Url"] = endpoints.Grpc.ToString(),
            ["Kestrel__Endpoints__Http__Url"] = endpoints.Http.ToString(),
        })
        {
            environment[key] = value;
        }
        foreach (var (key, value) in Tokens.ServiceConfiguration)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var instance = new ServiceInstance(service, assembly, endpoints, environment, ServiceProcess.Start(endpoints.Name, assembly, environment, _options.Output));
        lock (_gate)
        {
            _instances.Add(instance);
        }
        return instance;
    }

    private ServiceInstance Find(string instance) =>
        Snapshot().FirstOrDefault(i => i.Endpoints.Name == instance)
        ?? Snapshot().FirstOrDefault(i => i.Service == instance)
        ?? throw new ArgumentException($"No instance {instance} runs.", nameof(instance));

    private List<ServiceInstance> Snapshot()
    {
        lock (_gate)
        {
            return [.. _instances];
        }
    }

    private async Task WaitUntilReadyAsync(IEnumerable<ServiceEndpoints> services, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var pending = services.ToList();
        try
        {
            while (pending.Count > 0)
            {
                // Only the services being waited for: a program that finished its work (a replay, say) is no failure.
                if (Snapshot().FirstOrDefault(i => i.Process.HasExited && pending.Contains(i.Endpoints)) is { } exited)
                {
                    throw new InvalidOperationException($"{exited.Endpoints.Name} exited during start-up; its output above says why.");
                }
                for (var i = pending.Count - 1; i >= 0; i--)
                {
                    if (await IsReadyAsync(http, pending[i], deadline.Token))
                    {
                        pending.RemoveAt(i);
                    }
                }
                if (pending.Count > 0)
                {
                    await poll.WaitForNextTickAsync(deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Not ready within {timeout}: {string.Join(", ", pending.Select(p => p.Name))}.");
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, ServiceEndpoints service, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(service.Http, "/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        // The probe's own 2 s timeout: a service still starting on a busy machine, not the caller's deadline.
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static Uri FreeLoopbackUri(string scheme = "http")
    {
        while (true)
        {
            // The OS hands out a free port; the service binds it a moment later.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            // Released at once, a port can be handed out again, to another instance: one of the two would fail to
            // bind, and the other would answer the first one's readiness probe.
            lock (Ports)
            {
                if (Ports.Add(port))
                {
                    return new Uri($"{scheme}://127.0.0.1:{port}");
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Last started, first stopped: the simulator before the services, the services before Kafka.
        foreach (var process in Processes.Reverse())
        {
            await process.DisposeAsync();
        }
        Kafka.Dispose();
        Tokens.Dispose();
    }
}

public sealed class LocalClusterOptions
{
    /// <summary>Partitions per topic.</summary>
    public int Partitions { get; init; } = 6;

    /// <summary>Instances of each service, each a process of its own; a replica beyond <see cref="Partitions"/> holds no partition.</summary>
    public int Replicas { get; init; } = 1;

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Extra configuration for every service, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives (service, line) for every line a service prints.</summary>
    public Action<string, string> Output { get; init; } = static (_, _) => { };
}

/// <summary>One instance of a service: how it is launched, where it answers, and its current process.</summary>
internal sealed class ServiceInstance(string service, string assembly, ServiceEndpoints endpoints, IReadOnlyDictionary<string, string> environment, ServiceProcess process)
{
    public string Service => service;

    public string Assembly => assembly;

    public ServiceEndpoints Endpoints => endpoints;

    public IReadOnlyDictionary<string, string> Environment => environment;

    public ServiceProcess Process { get; set; } = process;
}
