using System.Text.Json.Nodes;
using Json.Schema;

namespace VitalTwin.Deploy.Tests;

/// <summary>charts/vitaltwin/values.schema.json: Helm checks every install against it, so it must accept the
/// chart's own values and examples and refuse the mistakes an operator makes, saying where.</summary>
public sealed class ValuesSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(Repository.Read("charts", "vitaltwin", "values.schema.json"));

    private static readonly JsonObject Defaults = Yaml.LoadObject("charts", "vitaltwin", "values.yaml");

    public static TheoryData<string> ExampleValuesFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Chart, "ci"), "*-values.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void The_schema_is_draft_07_as_every_helm_3_reads_it()
    {
        var schema = JsonNode.Parse(Repository.Read("charts", "vitaltwin", "values.schema.json"))!;

        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)schema["$schema"]);
        Assert.False((bool)schema["additionalProperties"]!);
    }

    [Fact]
    public void The_charts_own_values_are_valid()
    {
        Assert.Empty(Problems(Defaults));
    }

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public void Each_example_values_file_over_the_defaults_is_valid(string file)
    {
        var overlay = Yaml.LoadObject("charts", "vitaltwin", "ci", file);

        Assert.Empty(Problems(Yaml.MergeValues(Defaults, overlay)));
    }

    [Theory]
    [InlineData("a misspelt key", "services: {gateway: {replcas: 3}}", "/services/gateway/replcas")]
    [InlineData("a service the chart does not have", "services: {billing: {enabled: true, image: {repository: vitaltwin/billing}, replicas: 1}}", "/services/billing")]
    [InlineData("a writable root filesystem", "serviceDefaults: {securityContext: {readOnlyRootFilesystem: false}}", "/serviceDefaults/securityContext/readOnlyRootFilesystem")]
    [InlineData("running as root", "services: {twinState: {podSecurityContext: {runAsNonRoot: false}}}", "/services/twinState/podSecurityContext/runAsNonRoot")]
    [InlineData("a capability kept", "serviceDefaults: {securityContext: {capabilities: {drop: [NET_RAW]}}}", "/serviceDefaults/securityContext/capabilities/drop/0")]
    [InlineData("a secret in the values", "services: {twinState: {config: {History__Influx__Token: abc123}}}", "/services/twinState/config/History__Influx__Token")]
    [InlineData("a configuration key in colon form", "services: {gateway: {config: {'Gateway:MaxBatchSize': 10}}}", "/services/gateway/config/Gateway:MaxBatchSize")]
    [InlineData("brokers without a port", "messaging: {bootstrapServers: kafka}", "/messaging/bootstrapServers")]
    [InlineData("an unknown topic creation mode", "messaging: {topics: {create: manual}}", "/messaging/topics/create")]
    [InlineData("a topic the services do not use", "messaging: {topics: {specs: {billing: {name: vitaltwin.billing.v1}}}}", "/messaging/topics/specs/billing")]
    [InlineData("a memory size in the wrong unit", "services: {gateway: {resources: {limits: {memory: 512MB}}}}", "/services/gateway/resources/limits/memory")]
    [InlineData("an egress path that does not exist", "services: {gateway: {networkPolicy: {egress: [kafak]}}}", "/services/gateway/networkPolicy/egress/0")]
    [InlineData("credentials in the InfluxDB URL", "history: {influx: {url: 'http://admin:secret@influxdb:8086'}}", "/history/influx/url")]
    [InlineData("the dashboard signing in locally", "services: {dashboard: {config: {Dashboard__SignIn__Mode: Local}}}", "/services/dashboard/config/Dashboard__SignIn__Mode")]
    [InlineData("the dashboard's client secret in the values", "services: {dashboard: {config: {Dashboard__SignIn__ClientSecret: abc123}}}", "/services/dashboard/config/Dashboard__SignIn__ClientSecret")]
    [InlineData("an identity provider over plain http", "dashboard: {signIn: {authority: 'http://login.hospital.example'}}", "/dashboard/signIn/authority")]
    [InlineData("a call to a service the chart does not have", "services: {dashboard: {calls: {Dashboard__TwinState: twinstate}}}", "/services/dashboard/calls/Dashboard__TwinState")]
    [InlineData("a trusted proxy that is a name", "dashboard: {trustedProxies: [ingress-nginx]}", "/dashboard/trustedProxies/0")]
    [InlineData("an ingress host with its scheme", "dashboard: {ingress: {host: 'https://ward.hospital.example'}}", "/dashboard/ingress/host")]
    [InlineData("a service serving something else", "services: {gateway: {serves: http}}", "/services/gateway/serves")]
    public void A_wrong_value_is_refused_with_where_it_is(string mistake, string overlayYaml, string location)
    {
        var values = Yaml.MergeValues(Defaults, (JsonObject)Yaml.Load(overlayYaml)!);

        var problems = Problems(values);

        Assert.True(problems.Count > 0, $"The schema accepted {mistake}.");
        Assert.True(
            problems.Any(problem => problem.StartsWith(location + ":", StringComparison.Ordinal)),
            $"No problem reported at {location}; reported: {string.Join(" | ", problems)}");
    }

    [Fact]
    public void The_message_names_the_misspelt_key()
    {
        var values = Yaml.MergeValues(Defaults, (JsonObject)Yaml.Load("serviceDefaults: {autoscalling: {enabled: true}}")!);

        var problem = Assert.Single(Problems(values));

        Assert.Equal("/serviceDefaults/autoscalling: All values fail against the false schema", problem);
    }

    /// <summary>
    /// Every failed check as "instance location: message", as an operator would want to read it: only from
    /// checks whose failure fails the whole (a oneOf branch that did not match, or a "not" that held, is no
    /// problem).
    /// </summary>
    private static List<string> Problems(JsonObject values)
    {
        var problems = new List<string>();
        Collect(Schema.Evaluate(Yaml.ToElement(values), new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical }));
        return problems.Distinct().ToList();

        void Collect(EvaluationResults result)
        {
            if (result.IsValid)
            {
                return;
            }

            var before = problems.Count;
            foreach (var error in result.Errors ?? [])
            {
                problems.Add($"{result.InstanceLocation}: {error.Value}");
            }

            foreach (var detail in result.Details ?? [])
            {
                Collect(detail);
            }

            // A failed "not" carries no message of its own: name the rule that refused the value.
            if (problems.Count == before)
            {
                problems.Add($"{result.InstanceLocation}: refused by {result.EvaluationPath}");
            }
        }
    }
}
