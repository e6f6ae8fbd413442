using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// A static reading of charts/vitaltwin without Helm: balanced blocks, defined includes, and every value a
/// template reads present in values.yaml. What Helm would render is checked by the Charts target where Helm is.
/// </summary>
public sealed partial class ChartTemplateTests
{
    /// <summary>
    /// Template variables bound to parts of the values, and where in values.yaml their fields live ("*" is any
    /// entry of a map). A variable a template dereferences that is in neither list fails the test, so this
    /// table stays in step with the templates.
    /// </summary>
    private static readonly Dictionary<string, string[]> ValueVariables = new()
    {
        ["svc"] = ["serviceDefaults", "services.*"],
        // An entry of services may hold any key of serviceDefaults: it overrides them.
        ["entry"] = ["serviceDefaults", "services.*"],
        ["target"] = ["serviceDefaults", "services.*"],
        ["ports"] = ["serviceDefaults.ports"],
        ["targetPorts"] = ["serviceDefaults.ports"],
        ["calleePorts"] = ["serviceDefaults.ports"],
        ["dashboardPorts"] = ["serviceDefaults.ports"],
        ["dashboardEntry"] = ["serviceDefaults", "services.*"],
        ["callerSvc"] = ["serviceDefaults", "services.*"],
        ["signIn"] = ["dashboard.signIn"],
        ["ingress"] = ["dashboard.ingress"],
        ["sim"] = ["simulator"],
        ["topics"] = ["messaging.topics"],
        ["spec"] = ["messaging.topics.specs.*"],
        ["path"] = ["networkPolicy.paths.*"],
        ["cas"] = ["gateway.deviceAuthentication"],
        ["doors"] = ["gateway.doors"],
        ["ca"] = ["grpc.tls.ca"],
        ["security"] = ["messaging.security"],
    };

    /// <summary>The chart's top context, held in a variable; its fields other than Values are Helm's.</summary>
    private static readonly string[] BuiltInObjects = ["Release", "Chart", "Template", "Capabilities", "Files"];

    private static readonly JsonObject Values = Yaml.LoadObject("charts", "vitaltwin", "values.yaml");

    public static TheoryData<string> TemplateFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Templates())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TemplateFiles))]
    public void Every_block_is_closed(string file)
    {
        var depth = 0;
        foreach (var action in Actions(file))
        {
            var word = action.Split([' ', '\n', '\t', '('], 2)[0];
            if (word is "if" or "range" or "with" or "define" or "block")
            {
                depth++;
            }
            else if (word == "end")
            {
                depth--;
                Assert.True(depth >= 0, $"{file}: an 'end' closes nothing.");
            }
        }

        Assert.True(depth == 0, $"{file}: {depth} block(s) left open.");
    }

    [Fact]
    public void Every_included_template_is_defined()
    {
        var defined = Templates().SelectMany(Actions).Select(a => Define().Match(a)).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToHashSet();

        var included = Templates().SelectMany(file => Actions(file).SelectMany(a => Include().Matches(a)).Select(m => (file, name: m.Groups["name"].Value)));

        Assert.All(included, use => Assert.True(defined.Contains(use.name), $"{Path.GetFileName(use.file)} includes '{use.name}', which no template defines."));
        Assert.Contains("vitaltwin.service", defined);
    }

    [Theory]
    [MemberData(nameof(TemplateFiles))]
    public void Every_value_a_template_reads_is_in_values_yaml(string file)
    {
        foreach (var action in Actions(file))
        {
            foreach (Match use in ValuesPath().Matches(action))
            {
                var path = use.Groups["path"].Value.TrimStart('.');
                Assert.True(Exists(Values, path.Split('.')), $"{file} reads .Values.{path}, which values.yaml does not have.");
            }

            foreach (Match use in VariablePath().Matches(action))
            {
                var variable = use.Groups["variable"].Value;
                var path = use.Groups["path"].Value.TrimStart('.').Split('.');
                if (path[0] == "Values")
                {
                    continue;
                }

                if (variable == "root")
                {
                    Assert.Contains(path[0], BuiltInObjects);
                    continue;
                }

                Assert.True(ValueVariables.TryGetValue(variable, out var roots), $"{file} reads ${variable}.{string.Join('.', path)}; say in ValueVariables where ${variable} comes from.");
                Assert.True(
                    roots.Any(root => Exists(Values, [.. root.Split('.'), .. path])),
                    $"{file} reads ${variable}.{string.Join('.', path)}, which is under none of {string.Join(", ", roots)} in values.yaml.");
            }
        }
    }

    [Fact]
    public void One_template_renders_every_service()
    {
        var services = Repository.Read("charts", "vitaltwin", "templates", "services.yaml");

        Assert.Contains("range $name, $override := .Values.services", services, StringComparison.Ordinal);
        Assert.Contains("include \"vitaltwin.service\"", services, StringComparison.Ordinal);
        // No template of its own for any one service: the per-service differences live in values.yaml.
        Assert.DoesNotContain(Templates(), file => DeployableService.All.Any(service => Path.GetFileNameWithoutExtension(file) == service.Kebab && service.IsWebService));
    }

    [Fact]
    public void The_network_policy_lets_replicas_call_each_other_in_exactly_the_services_that_relay_between_replicas()
    {
        var services = Values["services"]!.AsObject();
        var byDefault = (bool)Values["serviceDefaults"]!["networkPolicy"]!["relayBetweenReplicas"]!;

        var relaying = services.Where(pair => DeployableService.All.Single(s => s.ValuesKey == pair.Key).RegistersPartitionRouting).Select(pair => pair.Key);
        var allowed = services.Where(pair => (bool?)pair.Value!["networkPolicy"]?["relayBetweenReplicas"] ?? byDefault).Select(pair => pair.Key);

        Assert.Equal(relaying.Order(StringComparer.Ordinal), allowed.Order(StringComparer.Ordinal));
        Assert.NotEmpty(relaying);
        Assert.Contains("$svc.networkPolicy.relayBetweenReplicas", Repository.Read("charts", "vitaltwin", "templates", "_service.tpl"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_service_in_the_values_is_a_service_folder_with_its_image()
    {
        var services = Values["services"]!.AsObject();

        Assert.Equal(
            DeployableService.All.Where(service => service.IsWebService).Select(service => service.ValuesKey).Order(StringComparer.Ordinal),
            services.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        foreach (var (key, entry) in services)
        {
            var service = DeployableService.All.Single(s => s.ValuesKey == key);
            Assert.True(File.Exists(service.ProjectFile), $"services.{key} has no project at {Repository.Relative(service.ProjectFile)}.");
            Assert.Equal($"vitaltwin/{service.Kebab}", (string?)entry!["image"]!["repository"]);
        }

        Assert.Equal("vitaltwin/simulator", (string?)Yaml.At(Values, "simulator.image.repository"));
    }

    [Fact]
    public void Every_setting_the_values_give_a_service_is_one_it_reads()
    {
        foreach (var (key, entry) in Values["services"]!.AsObject())
        {
            var service = DeployableService.All.Single(s => s.ValuesKey == key);
            var variables = (entry!["config"]?.AsObject().Select(pair => pair.Key) ?? [])
                .Concat(entry["secretEnv"]?.AsArray().Select(item => (string)item!["name"]!) ?? [])
                .Concat(entry["calls"]?.AsObject().Select(pair => pair.Key) ?? []);
            Assert.All(variables, variable => Assert.True(service.ReadsConfigurationKey(variable), $"services.{key} sets '{variable}', which {service.Folder} does not read."));
        }
    }

    [Fact]
    public void Every_shared_setting_is_one_the_services_read()
    {
        var shared = Repository.Read("charts", "vitaltwin", "templates", "config.yaml");
        var variables = SharedSetting().Matches(shared).Select(m => m.Groups["name"].Value).Where(name => !name.StartsWith("OTEL_", StringComparison.Ordinal)).ToList();

        Assert.Contains("Kafka__BootstrapServers", variables);
        Assert.All(variables, variable => Assert.True(
            DeployableService.All.Any(service => service.ReadsConfigurationKey(variable)),
            $"config.yaml sets '{variable}', which no service reads."));
        // The switch that turns OTLP export on is the one ServiceDefaults reads.
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", Repository.Read("services", "Shared", "VitalTwin.ServiceDefaults", "ServiceDefaultsExtensions.cs"), StringComparison.Ordinal);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT:", shared, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_service_runs_several_replicas_by_default_kept_by_a_disruption_budget_and_within_the_partitions()
    {
        var partitions = (int)Yaml.At(Values, "messaging.topics.partitions")!;
        foreach (var (key, entry) in Values["services"]!.AsObject())
        {
            var service = Yaml.MergeValues(Values["serviceDefaults"]!.AsObject(), entry!.AsObject());
            var autoscaled = (bool)Yaml.At(service, "autoscaling.enabled")!;
            var fewest = autoscaled ? (int)Yaml.At(service, "autoscaling.minReplicas")! : (int)Yaml.At(service, "replicas")!;
            var most = autoscaled ? (int)Yaml.At(service, "autoscaling.maxReplicas")! : fewest;

            Assert.True(fewest >= 2, $"services.{key} runs {fewest} replica(s) by default: one restart leaves it down.");
            Assert.True((bool)Yaml.At(service, "podDisruptionBudget.enabled")!, $"services.{key} has no PodDisruptionBudget.");
            Assert.True((int)Yaml.At(service, "podDisruptionBudget.maxUnavailable")! < fewest, $"services.{key}'s disruption budget may take every replica down at once.");
            if ((bool)Yaml.At(service, "holdsPartitions")!)
            {
                Assert.True(most <= partitions, $"services.{key} may scale to {most} replicas over {partitions} partitions.");
            }
        }

        // The template refuses what the defaults avoid: replicas beyond the partitions they share.
        var template = Repository.Read("charts", "vitaltwin", "templates", "_service.tpl");
        Assert.Matches(@"if \$svc\.holdsPartitions[\s\S]+gt \$most \$partitions[\s\S]+fail", template);
        Assert.Matches(@"stabilizationWindowSeconds: \{\{ \$svc\.autoscaling\.scaleDownStabilizationSeconds \}\}", template);
    }

    [Fact]
    public void Probes_use_the_health_endpoints_service_defaults_maps()
    {
        var template = Repository.Read("charts", "vitaltwin", "templates", "_service.tpl");
        var defaults = Repository.Read("services", "Shared", "VitalTwin.ServiceDefaults", "ServiceDefaultsExtensions.cs");

        Assert.Matches(@"livenessProbe:\s+httpGet:\s+path: /alive", template);
        Assert.Matches(@"readinessProbe:\s+httpGet:\s+path: /health", template);
        // A web application, or a gRPC API over TLS (kubelet's gRPC probe cannot speak TLS), starts on /alive.
        Assert.Matches(@"startupProbe:\s+\{\{- if or \$web \$tls \}\}\s+httpGet:\s+path: /alive[\s\S]+\{\{- else \}\}\s+grpc:", template);
        Assert.Contains("MapHealthChecks(\"/alive\"", defaults, StringComparison.Ordinal);
        Assert.Contains("MapHealthChecks(\"/health\"", defaults, StringComparison.Ordinal);
        Assert.Contains("MapGrpcHealthChecksService()", defaults, StringComparison.Ordinal);
    }

    [Fact]
    public void The_optional_dependencies_are_off_until_asked_for()
    {
        var chart = Yaml.LoadObject("charts", "vitaltwin", "Chart.yaml");

        Assert.Equal("v2", (string?)chart["apiVersion"]);
        var dependencies = chart["dependencies"]!.AsArray();
        Assert.Equal(["influxdb2", "kafka"], dependencies.Select(d => (string)d!["name"]!).Order(StringComparer.Ordinal));
        foreach (var dependency in dependencies)
        {
            var name = (string)dependency!["name"]!;
            Assert.Equal($"{name}.enabled", (string?)dependency["condition"]);
            Assert.False((bool)Yaml.At(Values, $"{name}.enabled")!);
        }
    }

    [Fact]
    public void The_notes_tell_the_operator_how_to_reach_the_apis_and_the_alerts_topic()
    {
        var notes = Repository.Read("charts", "vitaltwin", "templates", "NOTES.txt");

        Assert.Contains("TwinQuery", notes, StringComparison.Ordinal);
        Assert.Contains("AlertDesk", notes, StringComparison.Ordinal);
        Assert.Contains("kubectl port-forward", notes, StringComparison.Ordinal);
        Assert.Contains(".Values.messaging.topics.specs.alerts.name", notes, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Templates() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Chart, "templates")).Order(StringComparer.Ordinal);

    /// <summary>The text inside each {{ }} of a template, comments left out.</summary>
    private static IEnumerable<string> Actions(string file) =>
        Action().Matches(File.ReadAllText(Path.IsPathRooted(file) ? file : Path.Combine(Repository.Chart, "templates", file)))
            .Select(m => m.Groups["body"].Value.Trim())
            .Where(body => !body.StartsWith("/*", StringComparison.Ordinal));

    private static bool Exists(JsonNode? node, IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return true;
        }

        if (node is not JsonObject obj)
        {
            return false;
        }

        return path[0] == "*"
            ? obj.Any(child => Exists(child.Value, path.Skip(1).ToList()))
            : obj.TryGetPropertyValue(path[0], out var next) && Exists(next, path.Skip(1).ToList());
    }

    [GeneratedRegex(@"\{\{-?(?<body>.*?)-?\}\}", RegexOptions.Singleline)]
    private static partial Regex Action();

    [GeneratedRegex(@"\.Values(?<path>(\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesPath();

    [GeneratedRegex(@"\$(?<variable>[A-Za-z_][A-Za-z0-9_]*)(?<path>(\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex VariablePath();

    [GeneratedRegex(@"^define\s+""(?<name>[^""]+)""$")]
    private static partial Regex Define();

    [GeneratedRegex(@"\b(include|template)\s+""(?<name>[^""]+)""")]
    private static partial Regex Include();

    [GeneratedRegex(@"^\s+(?<name>[A-Za-z_][A-Za-z0-9_]*__[A-Za-z0-9_]+|OTEL_[A-Z_]+):", RegexOptions.Multiline)]
    private static partial Regex SharedSetting();
}
