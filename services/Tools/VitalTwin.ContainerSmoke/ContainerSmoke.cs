using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.EndToEnd.Tests;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.History.Tests.Influx;

namespace VitalTwin.ContainerSmoke;

/// <summary>
/// The four services from their images, as podman containers on the host network: Kafka (librdkafka's mock cluster)
/// and influxd run in this process's care, gRPC is TLS from a throw-away CA mounted read-only, each container runs as
/// user 1654 on a read-only root filesystem. A monitor is registered and its readings ingested over TLS; the twin is
/// read, the NEWS2 alert read from the alerts topic and a history write seen at influxd; then every container is
/// stopped with SIGTERM and must exit 0 within the grace period. Throws at the first check that fails.
/// </summary>
internal sealed class ContainerSmoke(SmokeOptions options, TextWriter output)
{
    private const string CertificatesMount = "/etc/vitaltwin/tls";
    private const string Database = "vitaltwin";

    private static readonly (string Service, string Image)[] Services =
    [
        ("Gateway", "gateway"),
        ("AnomalyDetection", "anomaly-detection"),
        ("TwinState", "twin-state"),
        ("Notification", "notification"),
    ];

    private readonly Podman _podman = new(options.Runtime);
    private readonly string _run = $"vitaltwin-smoke-{Environment.ProcessId}";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await CheckImagesAsync(cancellationToken);

        await using var influxd = await InfluxServer.StartAsync();
        await using var influxWrites = await InfluxWriteProxy.StartAsync(influxd.Url);
        await influxd.ExecuteAsync($"CREATE DATABASE \"{Database}\"", cancellationToken);
        var topics = new KafkaTopics();
        using var kafka = EmbeddedKafka.Start(topics.Specs(4));
        using var tokens = new LocalTokenIssuer();
        var certificates = Directory.CreateTempSubdirectory("vitaltwin-smoke-tls-");
        using var authority = ThrowawayCa.Create(certificates.FullName, TimeProvider.System);
        output.WriteLine($"Kafka (embedded) at {kafka.BootstrapServers}, influxd behind its write mapping at {influxWrites.Url}");

        var containers = AssignPorts();
        try
        {
            var environment = CommonEnvironment(kafka.BootstrapServers, tokens);
            var healthy = await StartAsync(containers, environment, certificates.FullName, influxWrites.Url, cancellationToken);
            await CheckConfinementAsync(containers, cancellationToken);

            var historyWritten = influxWrites.NextWriteAnswered(HttpStatusCode.NoContent);
            await DriveAsync(containers, authority, tokens, kafka.BootstrapServers, topics, cancellationToken);
            await historyWritten.WaitAsync(options.Timeout, cancellationToken);
            output.WriteLine("History: TwinState's write reached influxd (204 through the /api/v2/write mapping).");

            var memory = await MemoryAsync(containers, cancellationToken);
            await StopAsync(containers, cancellationToken);
            PrintTable(containers, healthy, memory, await ImageSizesAsync(cancellationToken));
        }
        catch
        {
            await PrintLogsAsync(containers);
            throw;
        }
        finally
        {
            await _podman.TryRunAsync(["rm", "--force", .. containers.Select(c => c.Name)], CancellationToken.None);
            certificates.Delete(recursive: true);
        }
    }

    private string ImageOf(string image) => $"{options.Images}/{image}:{options.Tag}";

    /// <summary>Every image exists, and none holds an SDK: <c>dotnet --list-sdks</c> in it lists nothing.</summary>
    private async Task CheckImagesAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, image) in Services)
        {
            var (exists, _, _) = await _podman.TryRunAsync(["image", "exists", ImageOf(image)], cancellationToken);
            if (exists != 0)
            {
                throw new InvalidOperationException($"The image {ImageOf(image)} does not exist: ./build.sh --target=Images builds it.");
            }
            var sdks = await _podman.RunAsync(["run", .. RunConfinement(), "--rm", "--network=none", "--entrypoint", "dotnet", ImageOf(image), "--list-sdks"], cancellationToken);
            if (sdks.Trim().Length > 0)
            {
                throw new InvalidOperationException($"{ImageOf(image)} holds an SDK: {sdks.Trim()}");
            }
        }
        output.WriteLine($"Images: {string.Join(", ", Services.Select(s => ImageOf(s.Image)))}; no SDK in any.");
    }

    private List<ServiceContainer> AssignPorts()
    {
        // Every port held open at once, so the OS hands out none twice; the containers bind them a moment later.
        var listeners = new List<TcpListener>();
        int Next()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            listeners.Add(listener);
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        try
        {
            return Services
                .Select(s => new ServiceContainer(s.Service, ImageOf(s.Image), $"{_run}-{s.Image}", Next(), Next(), s.Service == "Gateway" ? Next() : null))
                .ToList();
        }
        finally
        {
            listeners.ForEach(listener => listener.Stop());
        }
    }

    private static Dictionary<string, string> CommonEnvironment(string bootstrapServers, LocalTokenIssuer tokens)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Kafka__BootstrapServers"] = bootstrapServers,
            // The mock cluster holds an empty fetch for the whole wait (LocalCluster sets the same).
            ["Kafka__FetchWaitMax"] = "00:00:00.010",
            // As the end-to-end tests: NEWS2 scores each reading at once, so three readings decide the alert.
            ["News2__Hold"] = "00:00:00",
            ["News2__WindowReadings"] = "1",
            ["News2__WindowMinReadings"] = "1",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in tokens.ServiceConfiguration)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return environment;
    }

    /// <summary>Starts every container, and returns the time from its <c>podman run</c> to its first healthy <c>/health</c>.</summary>
    private async Task<Dictionary<string, TimeSpan>> StartAsync(
        IReadOnlyList<ServiceContainer> containers, IReadOnlyDictionary<string, string> common, string certificates, Uri influx, CancellationToken cancellationToken)
    {
        var clocks = new Dictionary<string, Stopwatch>(StringComparer.Ordinal);
        foreach (var container in containers)
        {
            var environment = new Dictionary<string, string>(common, StringComparer.Ordinal)
            {
                ["Kestrel__Endpoints__Grpc__Url"] = $"https://127.0.0.1:{container.GrpcPort}",
                ["Kestrel__Endpoints__Grpc__Certificate__Path"] = $"{CertificatesMount}/{ThrowawayCa.CertificateFile}",
                ["Kestrel__Endpoints__Grpc__Certificate__KeyPath"] = $"{CertificatesMount}/{ThrowawayCa.KeyFile}",
                ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{container.HttpPort}",
            };
            if (container.MqttPort is { } mqtt)
            {
                environment["Kestrel__Endpoints__Mqtt__Url"] = $"http://127.0.0.1:{mqtt}";
            }
            if (container.Service == "TwinState")
            {
                environment["History__Influx__Url"] = influx.ToString();
                environment["History__Influx__Database"] = Database;
                environment["History__Influx__Username"] = Database;
                environment["History__Influx__Password"] = "not-checked-by-this-influxd";
            }
            List<string> arguments = ["run", "--detach", "--name", container.Name, .. RunConfinement(), "--network=host",
                // :U hands the mounted folder to the container's user, so the key file can stay readable by it alone.
                "--volume", $"{certificates}:{CertificatesMount}:ro,U"];
            foreach (var (key, value) in environment)
            {
                arguments.Add("--env");
                arguments.Add($"{key}={value}");
            }
            arguments.Add(container.Image);
            clocks[container.Name] = Stopwatch.StartNew();
            await _podman.RunAsync(arguments, cancellationToken);
        }

        var healthy = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (healthy.Count < containers.Count)
            {
                foreach (var container in containers.Where(c => !healthy.ContainsKey(c.Name)))
                {
                    if (await IsHealthyAsync(http, container, deadline.Token))
                    {
                        healthy[container.Name] = clocks[container.Name].Elapsed;
                    }
                    else if (await StateAsync(container, "{{.State.Running}}", deadline.Token) != "true")
                    {
                        throw new InvalidOperationException($"{container.Name} stopped during start-up; its log follows.");
                    }
                }
                if (healthy.Count < containers.Count)
                {
                    await poll.WaitForNextTickAsync(deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Not healthy within {options.Timeout}: {string.Join(", ", containers.Where(c => !healthy.ContainsKey(c.Name)).Select(c => c.Name))}.");
        }
        output.WriteLine($"Healthy: {string.Join(", ", containers.Select(c => FormattableString.Invariant($"{c.Service} {healthy[c.Name].TotalSeconds:0.0} s")))} from podman run to /health 200.");
        return healthy;
    }

    /// <summary>The confinement every container runs under: a non-root user by number, a read-only root, no capabilities.</summary>
    private static string[] RunConfinement() =>
    [
        "--user", "1654", "--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges",
        // podman's defaults (1048576 open files, 32768 processes) exceed what a sandboxed host lets runc set; these are
        // within any host's limits and far beyond what a service uses.
        "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096",
    ];

    private async Task CheckConfinementAsync(IEnumerable<ServiceContainer> containers, CancellationToken cancellationToken)
    {
        foreach (var container in containers)
        {
            var state = await StateAsync(container, "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}", cancellationToken);
            if (state != "1654 true")
            {
                throw new InvalidOperationException($"{container.Name} runs as '{state}', not as user 1654 on a read-only root.");
            }
        }
    }

    private async Task DriveAsync(
        IReadOnlyList<ServiceContainer> containers, ThrowawayCa authority, LocalTokenIssuer tokens, string bootstrapServers, KafkaTopics topics, CancellationToken cancellationToken)
    {
        var staff = tokens.Mint("container-smoke", [Roles.Clinician, Roles.Registrar, Roles.Integration], [Caller.EveryWard], TimeSpan.FromHours(1));
        using var gateway = TlsChannel(containers.Single(c => c.Service == "Gateway"), authority, staff);
        using var twinState = TlsChannel(containers.Single(c => c.Service == "TwinState"), authority, staff);
        using var alerts = new TopicWatcher(bootstrapServers, topics.Alerts);
        var patient = Readings.ForNewPatient("containers");

        await RefusedWithoutTheAuthorityAsync(containers.Single(c => c.Service == "Gateway"), patient, cancellationToken);
        await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(gateway));
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(gateway);
        uint accepted = 0;
        foreach (var batch in new[]
        {
            patient.Vitals(heartRate: 78, spo2: 97, respiratoryRate: 15, systolic: 124, temperature: 36.9),
            patient.Vitals(heartRate: 104, spo2: 94, respiratoryRate: 21, systolic: 108, temperature: 38.2),
            patient.Vitals(heartRate: 128, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2),
        })
        {
            accepted += (await ingestion.IngestAsync(batch, patient.Credential, cancellationToken: cancellationToken)).Accepted;
        }
        if (accepted != 15)
        {
            throw new InvalidOperationException($"The Gateway accepted {accepted} of 15 readings.");
        }
        output.WriteLine("Gateway: a device registered and 15 readings ingested over gRPC with TLS (the throw-away CA trusted alone).");

        var twin = await new TwinQuery.TwinQueryClient(twinState).WaitForTwinAsync(patient.PatientId, t => t.ReadingsApplied == 15, options.Timeout);
        output.WriteLine(FormattableString.Invariant($"TwinState: the twin holds {twin.Vitals.Count} vitals, NEWS2 {twin.News2.Total} ({twin.News2.Risk})."));

        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, options.Timeout);
        output.WriteLine(FormattableString.Invariant($"Notification: {alert.Priority} alert for NEWS2 {alert.News2Total} on {topics.Alerts}."));
    }

    /// <summary>The gRPC port speaks TLS with the run's certificate: a client trusting only the machine's store cannot connect.</summary>
    private async Task RefusedWithoutTheAuthorityAsync(ServiceContainer gateway, Readings patient, CancellationToken cancellationToken)
    {
        using var untrusting = GrpcChannel.ForAddress(gateway.Grpc);
        try
        {
            await new DeviceRegistry.DeviceRegistryClient(untrusting).RegisterDeviceAsync(patient.Registration(), cancellationToken: cancellationToken);
        }
        catch (RpcException refused) when (refused.Status.DebugException is HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException })
        {
            output.WriteLine("TLS: a client without the run's CA is refused at the handshake.");
            return;
        }
        throw new InvalidOperationException($"{gateway.Name} answered a client that does not trust the run's CA.");
    }

    /// <summary>A channel over HTTPS trusting the run's CA; calls carry the token, device ingestion excepted (devices present their own credential).</summary>
    private static GrpcChannel TlsChannel(ServiceContainer container, ThrowawayCa authority, string bearerToken)
    {
        var bearer = CallCredentials.FromInterceptor((context, metadata) =>
        {
            if (!context.ServiceUrl.EndsWith('/' + VitalSignIngestion.Descriptor.FullName, StringComparison.Ordinal))
            {
                metadata.Add("Authorization", $"Bearer {bearerToken}");
            }
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(container.Grpc, new GrpcChannelOptions
        {
            HttpHandler = authority.TrustingHandler(),
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, bearer),
        });
    }

    private async Task<Dictionary<string, string>> MemoryAsync(IEnumerable<ServiceContainer> containers, CancellationToken cancellationToken)
    {
        var stats = await _podman.RunAsync(["stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", .. containers.Select(c => c.Name)], cancellationToken);
        return stats.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(columns => columns[0], columns => columns[1].Split(" / ")[0].Trim(), StringComparer.Ordinal);
    }

    /// <summary>
    /// <c>podman stop --time grace</c> on every container at once (SIGTERM, SIGKILL only after the grace period): each must
    /// exit 0, as ASP.NET does after a graceful shutdown, within the grace period, and not have been killed.
    /// </summary>
    private async Task StopAsync(IReadOnlyList<ServiceContainer> containers, CancellationToken cancellationToken)
    {
        var grace = ((int)options.Grace.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var stops = containers.Select(async container =>
        {
            var clock = Stopwatch.StartNew();
            var (_, _, warnings) = await _podman.TryRunAsync(["stop", "--time", grace, container.Name], cancellationToken);
            var took = clock.Elapsed;
            var exitCode = await StateAsync(container, "{{.State.ExitCode}}", cancellationToken);
            return (container, took, exitCode, killed: warnings.Contains("SIGKILL", StringComparison.Ordinal));
        });
        var results = await Task.WhenAll(stops);
        foreach (var (container, took, exitCode, killed) in results)
        {
            output.WriteLine(FormattableString.Invariant($"SIGTERM: {container.Service} exited {exitCode} after {took.TotalSeconds:0.0} s (grace {options.Grace.TotalSeconds:0} s){(killed ? ", killed" : "")}."));
        }
        var unclean = results.Where(r => r.exitCode != "0" || r.killed || r.took >= options.Grace).Select(r => r.container.Name).ToList();
        if (unclean.Count > 0)
        {
            throw new InvalidOperationException($"Not a clean stop on SIGTERM: {string.Join(", ", unclean)}.");
        }
    }

    private async Task<Dictionary<string, long>> ImageSizesAsync(CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (_, image) in Services)
        {
            var size = await _podman.RunAsync(["image", "inspect", "--format", "{{.Size}}", ImageOf(image)], cancellationToken);
            sizes[ImageOf(image)] = long.Parse(size.Trim(), CultureInfo.InvariantCulture);
        }
        return sizes;
    }

    private void PrintTable(IEnumerable<ServiceContainer> containers, IReadOnlyDictionary<string, TimeSpan> healthy, IReadOnlyDictionary<string, string> memory, IReadOnlyDictionary<string, long> sizes)
    {
        output.WriteLine();
        output.WriteLine("| service | image | image size MB | podman run to healthy s | memory (podman stats) |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var container in containers)
        {
            output.WriteLine(FormattableString.Invariant(
                $"| {container.Service} | {container.Image} | {sizes[container.Image] / 1e6:0} | {healthy[container.Name].TotalSeconds:0.0} | {memory.GetValueOrDefault(container.Name, "n/a")} |"));
        }
    }

    private async Task<string> StateAsync(ServiceContainer container, string format, CancellationToken cancellationToken) =>
        (await _podman.RunAsync(["inspect", "--format", format, container.Name], cancellationToken)).Trim();

    private static async Task<bool> IsHealthyAsync(HttpClient http, ServiceContainer container, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(container.Health, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        // The probe's own timeout: a service still starting on a busy machine, not the caller's deadline.
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task PrintLogsAsync(IEnumerable<ServiceContainer> containers)
    {
        foreach (var container in containers)
        {
            var (exitCode, logs, errors) = await _podman.TryRunAsync(["logs", "--tail", "40", container.Name], CancellationToken.None);
            if (exitCode == 0)
            {
                output.WriteLine($"--- {container.Name} (last 40 lines)");
                output.WriteLine(logs + errors);
            }
        }
    }
}
