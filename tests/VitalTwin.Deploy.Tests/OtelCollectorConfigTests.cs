using System.Text.Json.Nodes;

namespace VitalTwin.Deploy.Tests;

/// <summary>deploy/otel-collector/config.yaml: pipelines use only what is defined, and the services can reach it.</summary>
public sealed class OtelCollectorConfigTests
{
    public const string ConfigFile = "deploy/otel-collector/config.yaml";

    private static readonly JsonObject Config = Yaml.LoadObject("deploy", "otel-collector", "config.yaml");

    [Fact]
    public void Pipelines_use_only_defined_components_and_every_component_is_used()
    {
        var pipelines = Config["service"]!["pipelines"]!.AsObject();
        Assert.Superset(new HashSet<string> { "traces", "metrics" }, pipelines.Select(p => p.Key).ToHashSet());

        foreach (var section in new[] { "receivers", "processors", "exporters" })
        {
            var defined = Config[section]!.AsObject().Select(pair => pair.Key).ToHashSet();
            var used = pipelines.SelectMany(pipeline => pipeline.Value![section]?.AsArray().Select(c => (string)c!) ?? []).ToHashSet();

            Assert.Subset(defined, used);
            Assert.Subset(used, defined);
        }

        var extensions = Config["extensions"]!.AsObject().Select(pair => pair.Key).ToHashSet();
        Assert.Equal(extensions, Config["service"]!["extensions"]!.AsArray().Select(e => (string)e!).ToHashSet());
    }

    [Fact]
    public void The_services_export_to_the_otlp_receiver_the_collector_runs()
    {
        var compose = Yaml.LoadObject("deploy", "compose.yaml");
        var endpoint = new Uri((string)compose["x-service-environment"]!["OTEL_EXPORTER_OTLP_ENDPOINT"]!);
        var grpcReceiver = (string)Config["receivers"]!["otlp"]!["protocols"]!["grpc"]!["endpoint"]!;

        Assert.Equal("otel-collector", endpoint.Host);
        Assert.Equal(int.Parse(grpcReceiver.Split(':')[^1]), endpoint.Port);
    }

    [Fact]
    public void Compose_mounts_this_file_where_the_collector_reads_its_configuration()
    {
        var collector = Yaml.LoadObject("deploy", "compose.yaml")["services"]!["otel-collector"]!;
        var configArgument = collector["command"]!.AsArray().Select(a => (string)a!).Single(a => a.StartsWith("--config=", StringComparison.Ordinal));
        var mount = collector["volumes"]!.AsArray().Select(v => ((string)v!).Split(':')).Single(v => v[0] == "./otel-collector/config.yaml");

        Assert.Equal(configArgument["--config=".Length..], mount[1]);
    }

    internal static IEnumerable<int> ReceiverPorts() =>
        Config["receivers"]!["otlp"]!["protocols"]!.AsObject().Select(protocol => int.Parse(((string)protocol.Value!["endpoint"]!).Split(':')[^1]));
}
