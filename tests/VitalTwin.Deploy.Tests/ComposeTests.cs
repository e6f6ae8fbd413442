using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VitalTwin.Deploy.Tests;

/// <summary>deploy/compose.yaml: everything it builds, mounts, waits for and connects to exists.</summary>
public sealed partial class ComposeTests
{
    public const string ComposeFile = "deploy/compose.yaml";

    /// <summary>Settings whose value is an address of another compose service.</summary>
    private static readonly string[] AddressSettings =
        ["Kafka__BootstrapServers", "KAFKA_BOOTSTRAP_SERVERS", "OTEL_EXPORTER_OTLP_ENDPOINT", "Simulator__GatewayUrl", "History__Influx__Url", "Dashboard__TwinState", "Dashboard__Notification"];

    private static readonly JsonObject Compose = Yaml.LoadObject("deploy", "compose.yaml");

    private static JsonObject Services => Compose["services"]!.AsObject();

    [Fact]
    public void It_runs_kafka_in_kraft_mode_influxdb_2_a_collector_every_service_and_the_simulator()
    {
        var images = Services.ToDictionary(pair => pair.Key, pair => (string)pair.Value!["image"]!);

        Assert.Contains("broker,controller", (string)Services["kafka"]!["environment"]!["KAFKA_PROCESS_ROLES"]!, StringComparison.Ordinal);
        Assert.StartsWith("influxdb:2", images["influxdb"], StringComparison.Ordinal);
        Assert.StartsWith("otel/opentelemetry-collector", images["otel-collector"], StringComparison.Ordinal);
        foreach (var service in DeployableService.All)
        {
            Assert.True(images.TryGetValue(service.Kebab, out var image), $"compose.yaml has no '{service.Kebab}' service.");
            Assert.Equal($"vitaltwin/{service.Kebab}:dev", image);
        }
    }

    [Fact]
    public void Every_built_image_comes_from_its_service_dockerfile()
    {
        foreach (var (name, service) in Services)
        {
            if (service!["build"] is not JsonObject build)
            {
                continue;
            }

            var context = Path.GetFullPath(Path.Combine(Repository.Deploy, (string)build["context"]!));
            Assert.Equal(Repository.Root.TrimEnd(Path.DirectorySeparatorChar), context.TrimEnd(Path.DirectorySeparatorChar));
            Assert.Equal($"deploy/docker/{name}.Dockerfile", (string?)build["dockerfile"]);
            Assert.True(File.Exists(Path.Combine(context, (string)build["dockerfile"]!)));
        }
    }

    [Fact]
    public void Every_dependency_is_a_service_and_every_health_condition_has_a_health_check()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var (dependency, condition) in service!["depends_on"]?.AsObject() ?? [])
            {
                Assert.True(Services.ContainsKey(dependency), $"{name} depends on '{dependency}', which is not a service.");
                var wanted = (string)condition!["condition"]!;
                Assert.Contains(wanted, new[] { "service_started", "service_healthy", "service_completed_successfully" });
                if (wanted == "service_healthy")
                {
                    Assert.NotNull(Services[dependency]!["healthcheck"]);
                }
            }
        }
    }

    [Fact]
    public void Every_mounted_file_exists()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var volume in service!["volumes"]?.AsArray().Select(v => (string)v!) ?? [])
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.'))
                {
                    Assert.True(File.Exists(Path.Combine(Repository.Deploy, source)), $"{name} mounts {source}, which does not exist.");
                }
                else
                {
                    Assert.True(Compose["volumes"]?.AsObject().ContainsKey(source), $"{name} mounts the volume '{source}', which is not declared.");
                }
            }
        }
    }

    [Fact]
    public void Every_address_names_a_service_and_a_port_it_listens_on()
    {
        var checkedAddresses = 0;
        foreach (var (name, service) in Services)
        {
            foreach (var (key, value) in Environment(service!))
            {
                if (!AddressSettings.Contains(key))
                {
                    continue;
                }

                foreach (var address in value.Split(','))
                {
                    var match = HostAndPort().Match(address);
                    Assert.True(match.Success, $"{name}: {key}={address} is not host:port.");
                    var host = match.Groups["host"].Value;
                    Assert.True(Services.ContainsKey(host), $"{name}: {key} points at '{host}', which is not a service.");
                    Assert.Contains(int.Parse(match.Groups["port"].Value), ListeningPorts(host));
                    checkedAddresses++;
                }
            }
        }

        Assert.True(checkedAddresses >= 8, $"Only {checkedAddresses} addresses were checked.");
    }

    [Fact]
    public void Every_setting_given_to_a_vitaltwin_service_is_one_it_reads()
    {
        foreach (var service in DeployableService.All)
        {
            foreach (var (key, _) in Environment(Services[service.Kebab]!).Where(pair => !pair.Key.StartsWith("OTEL_", StringComparison.Ordinal)))
            {
                Assert.True(service.ReadsConfigurationKey(key), $"compose.yaml gives {service.Kebab} '{key}', which it does not read.");
            }
        }
    }

    [Fact]
    public void Published_host_ports_do_not_collide()
    {
        var hostPorts = Services.SelectMany(pair => pair.Value!["ports"]?.AsArray().Select(p => ((string)p!).Split(':')[^2]) ?? []).ToList();

        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void Every_published_port_is_bound_to_the_loopback_address_alone()
    {
        // The stack speaks plaintext gRPC and Kafka without sign-in: nothing of it may be reachable from another machine.
        var published = Services.SelectMany(pair => pair.Value!["ports"]?.AsArray().Select(p => (Service: pair.Key, Port: (string)p!)) ?? []).ToList();

        Assert.True(published.Count >= 8, $"Only {published.Count} published ports were found.");
        foreach (var (service, port) in published)
        {
            Assert.True(port.Split(':') is ["127.0.0.1", _, _], $"{service} publishes {port}, not bound to 127.0.0.1.");
        }

        // Kafka tells clients on the host to come back on the address it is published on.
        Assert.Contains("HOST://127.0.0.1:19092", (string)Services["kafka"]!["environment"]!["KAFKA_ADVERTISED_LISTENERS"]!, StringComparison.Ordinal);
    }

    /// <summary>The ports a compose service's container listens on, from its own configuration.</summary>
    private static HashSet<int> ListeningPorts(string name)
    {
        var service = Services[name]!;
        var ports = new HashSet<int>();
        foreach (var published in service["ports"]?.AsArray() ?? [])
        {
            ports.Add(int.Parse(((string)published!).Split(':')[^1]));
        }

        if (Environment(service).TryGetValue("KAFKA_LISTENERS", out var listeners))
        {
            ports.UnionWith(listeners.Split(',').Select(listener => int.Parse(listener.Split(':')[^1])));
        }

        if (name == "otel-collector")
        {
            ports.UnionWith(OtelCollectorConfigTests.ReceiverPorts());
        }

        if (DeployableService.All.SingleOrDefault(s => s.Kebab == name) is { IsWebService: true } deployable)
        {
            ports.UnionWith(DockerfileTests.LoadFor(deployable).FinalEnvironment
                .Where(pair => pair.Key.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal))
                .Select(pair => int.Parse(pair.Value.Split(':')[^1])));
        }

        return ports;
    }

    private static Dictionary<string, string> Environment(JsonNode service) =>
        service["environment"]?.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value!.ToString()) ?? [];

    [GeneratedRegex(@"^(https?://)?(?<host>[a-z0-9-]+):(?<port>[0-9]+)/?$")]
    private static partial Regex HostAndPort();
}
