using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using VitalTwin.Deploy.Tests.Dapr;
using YamlDotNet.Core;
using static VitalTwin.Deploy.Tests.RenderedObjects;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// Every Kubernetes object under deploy/ read into its API type strictly: an unknown or misspelt field fails
/// here instead of being dropped by the API server (or by Dapr, for its resources); and what those objects name
/// is what the chart, as Helm renders it, uses. The chart's own objects: RenderedManifestTests.
/// </summary>
public sealed class KubernetesManifestTests(HelmChart chart) : IClassFixture<HelmChart>
{
    private const string DaprExample = "strimzi-dapr-values.yaml";

    /// <summary>Custom resources deploy/ may hold, with the typed model each is read into.</summary>
    private static readonly Dictionary<string, Type> CustomResources = new()
    {
        [$"{DaprComponent.ApiGroupVersion}/Component"] = typeof(DaprComponent),
        [$"{DaprComponent.ApiGroupVersion}/Configuration"] = typeof(DaprConfiguration),
    };

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in KubernetesManifests())
        {
            data.Add(Repository.Relative(file));
        }

        return data;
    }

    [Fact]
    public void Deploy_holds_the_dapr_components_and_the_namespace()
    {
        var kinds = KubernetesManifests()
            .SelectMany(file => Load(File.ReadAllText(file)))
            .Select(obj => ((IKubernetesObject)obj).Kind)
            .ToHashSet();

        Assert.Superset(new HashSet<string> { "Component", "Configuration", "Namespace", "Secret" }, kinds);
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Manifest_reads_into_the_api_types_with_no_unknown_field(string relativePath)
    {
        var objects = Load(Repository.Read(relativePath));

        Assert.NotEmpty(objects);
        foreach (var obj in objects)
        {
            var problems = obj switch
            {
                DaprComponent component => component.Problems(),
                DaprConfiguration configuration => configuration.Problems(),
                IKubernetesObject<V1ObjectMeta> typed when string.IsNullOrEmpty(typed.Metadata?.Name) => ["metadata.name is required"],
                IKubernetesObject<V1ObjectMeta> => [],
                _ => [$"{obj.GetType().Name} has no metadata"],
            };
            Assert.Empty(problems.Select(problem => $"{relativePath}: {problem}"));
        }
    }

    [Fact]
    public void A_misspelt_field_is_refused()
    {
        var manifest = Repository.Read("deploy", "kubernetes", "namespace.yaml").Replace("  labels:", "  lables:", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<YamlException>(() => Load(manifest));

        Assert.Contains("lables", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dapr_component_with_a_field_its_schema_lacks_is_refused()
    {
        var manifest = Repository.Read("deploy", "dapr", "twin-snapshots.yaml").Replace("  version: v1", "  version: v1\n  priority: high", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<YamlException>(() => Load(manifest));

        Assert.Contains("priority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dapr_metadata_item_with_both_a_value_and_a_secret_is_refused()
    {
        var manifest = Repository.Read("deploy", "dapr", "twin-snapshots.yaml")
            .Replace("    - name: redisPassword\n", "    - name: redisPassword\n      value: in-clear\n", StringComparison.Ordinal);

        var component = Assert.IsType<DaprComponent>(Assert.Single(Load(manifest)));

        Assert.Contains(component.Problems(), problem => problem.Contains("redisPassword", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_twin_snapshot_store_is_the_one_twin_state_names_and_only_twin_state_may_load_it()
    {
        var component = Assert.IsType<DaprComponent>(Assert.Single(Load(Repository.Read("deploy", "dapr", "twin-snapshots.yaml"))));
        // The example install that keeps TwinState's snapshots in Dapr, as Helm renders it.
        var objects = await chart.RenderExampleAsync(DaprExample);
        var environment = Environment(objects, "twin-state");
        var pod = Deployment(objects, "twin-state").Spec.Template.Metadata.Annotations;

        Assert.Equal(("Dapr", component.Metadata.Name), (environment["Snapshots__Store"], environment["Snapshots__Dapr__StoreName"]));
        Assert.Equal("true", pod["dapr.io/enabled"]);
        Assert.Equal([pod["dapr.io/app-id"]], component.Scopes);
        Assert.StartsWith("state.", component.Spec.Type, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dapr_configuration_is_the_one_the_chart_example_names()
    {
        var configuration = Assert.IsType<DaprConfiguration>(Assert.Single(Load(Repository.Read("deploy", "dapr", "configuration.yaml"))));
        var objects = await chart.RenderExampleAsync(DaprExample);

        Assert.Equal(Deployment(objects, "twin-state").Spec.Template.Metadata.Annotations["dapr.io/config"], configuration.Metadata.Name);
    }

    [Fact]
    public async Task The_influxdb_secrets_hold_the_keys_the_chart_reads()
    {
        var secret = Assert.IsType<V1Secret>(Assert.Single(Load(Repository.Read("deploy", "kubernetes", "influxdb-secret.example.yaml"))));
        var twinStateToken = Assert.IsType<V1Secret>(Assert.Single(Load(Repository.Read("deploy", "kubernetes", "influxdb-twin-state-token.example.yaml"))));
        var objects = await chart.RenderExampleAsync("external-kafka-values.yaml");
        var token = Assert.Single(Container(objects, "twin-state").Env, e => e.Name == "History__Influx__Token").ValueFrom.SecretKeyRef;

        // The bundled InfluxDB chart is not rendered here (see HelmChart), so its setting is read from the values; it
        // reads these two keys from its existingSecret.
        Assert.Equal((string?)Yaml.At(Yaml.LoadObject("charts", "vitaltwin", "values.yaml"), "influxdb2.adminUser.existingSecret"), secret.Metadata.Name);
        Assert.Equal(["admin-password", "admin-token"], secret.StringData.Keys.Order(StringComparer.Ordinal));
        // TwinState's token is its own, scoped to the history bucket: never the administrator's Secret.
        Assert.Equal(token.Name, twinStateToken.Metadata.Name);
        Assert.NotEqual(secret.Metadata.Name, twinStateToken.Metadata.Name);
        Assert.Equal([token.Key], twinStateToken.StringData.Keys);
    }

    private static List<object> Load(string yaml) => KubernetesYaml.LoadAllFromString(yaml, CustomResources, strict: true);

    [Fact]
    public void Every_yaml_file_under_deploy_is_checked_by_one_of_these_tests()
    {
        var checkedElsewhere = new[] { ComposeTests.ComposeFile, OtelCollectorConfigTests.ConfigFile };

        var unexamined = Directory.EnumerateFiles(Repository.Deploy, "*.y*ml", SearchOption.AllDirectories)
            .Select(Repository.Relative)
            .Except(KubernetesManifests().Select(Repository.Relative))
            .Except(checkedElsewhere);

        Assert.Empty(unexamined);
    }

    /// <summary>YAML files under deploy/ holding Kubernetes objects (a document with apiVersion and kind).</summary>
    private static IEnumerable<string> KubernetesManifests() =>
        Directory.EnumerateFiles(Repository.Deploy, "*.y*ml", SearchOption.AllDirectories)
            .Where(file => Yaml.LoadAll(File.ReadAllText(file)).Any(document => document is JsonObject obj && obj.ContainsKey("apiVersion") && obj.ContainsKey("kind")))
            .Order(StringComparer.Ordinal);
}
