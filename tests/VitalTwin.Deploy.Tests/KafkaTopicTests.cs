using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VitalTwin.Kafka;

namespace VitalTwin.Deploy.Tests;

/// <summary>The topics deploy/ and the chart create are the services' topics, with their layout (KafkaTopics).</summary>
public sealed partial class KafkaTopicTests
{
    private static readonly IReadOnlyList<TopicSpec> Expected = new KafkaTopics().Specs(partitions: 5);

    [Fact]
    public void The_compose_script_creates_every_topic_with_its_partitions_and_cleanup_policy()
    {
        var calls = RunCreateTopicsScript(partitions: 5);

        var creates = calls.Where(call => call[0] == "kafka-topics.sh").Select(call => new
        {
            Name = ValueAfter(call, "--topic"),
            Partitions = int.Parse(ValueAfter(call, "--partitions")),
            Compacted = call.Contains("cleanup.policy=compact"),
            Replication = ValueAfter(call, "--replication-factor"),
        }).ToList();

        Assert.Equal(
            Expected.Select(spec => (spec.Name, spec.Partitions, spec.Compacted)).Order(),
            creates.Select(create => (create.Name, create.Partitions, create.Compacted)).Order());
        Assert.All(creates, create => Assert.Equal("1", create.Replication));
        Assert.All(calls.Where(call => call[0] == "kafka-topics.sh"), call => Assert.Contains("--if-not-exists", call));
    }

    [Fact]
    public void The_compose_script_applies_each_topics_settings_again_so_a_rerun_updates_them()
    {
        var calls = RunCreateTopicsScript(partitions: 5);

        var alters = calls.Where(call => call[0] == "kafka-configs.sh").ToDictionary(call => ValueAfter(call, "--entity-name"), call => ValueAfter(call, "--add-config"));

        Assert.Equal(Expected.Select(spec => spec.Name).Order(), alters.Keys.Order());
        foreach (var spec in Expected)
        {
            Assert.Contains(spec.Compacted ? "cleanup.policy=compact" : "cleanup.policy=delete", alters[spec.Name], StringComparison.Ordinal);
        }

        // The Gateway replays the devices topic at start: its latest record per device must never expire.
        Assert.Contains("cleanup.policy=compact", alters[new KafkaTopics().Devices], StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_strimzi_and_the_compose_script_compact_each_compacted_topic_equally_soon()
    {
        var topics = Yaml.At(Yaml.LoadObject("charts", "vitaltwin", "values.yaml"), "messaging.topics")!;
        var job = CompactedSettings("topics-job.yaml", JobSetting(), topics);
        var strimzi = CompactedSettings("topics-strimzi.yaml", StrimziSetting(), topics);
        var alters = RunCreateTopicsScript(partitions: 5).Where(call => call[0] == "kafka-configs.sh")
            .ToDictionary(call => ValueAfter(call, "--entity-name"), call => ValueAfter(call, "--add-config"));

        Assert.Equal(job, strimzi);
        foreach (var spec in Expected.Where(spec => spec.Compacted))
        {
            var script = alters[spec.Name].Split(',').Select(setting => setting.Split('=', 2))
                .Where(pair => pair[0] != "cleanup.policy").ToDictionary(pair => pair[0], pair => pair[1]);
            Assert.Equal(job, script);
        }
        // Kafka compacts only closed segments, closed after 7 days unless told: an erased patient's snapshot, detector
        // state or device binding must not stay readable that long.
        Assert.True(long.Parse(job["segment.ms"]) <= TimeSpan.FromHours(6).TotalMilliseconds, "segment.ms");
        Assert.True(long.Parse(job["max.compaction.lag.ms"]) <= TimeSpan.FromDays(1).TotalMilliseconds, "max.compaction.lag.ms");
        Assert.True(long.Parse(job["delete.retention.ms"]) <= TimeSpan.FromDays(1).TotalMilliseconds, "delete.retention.ms");
    }

    /// <summary>
    /// The settings a chart template gives every compacted topic (its "if $spec.compacted" branch), each read from
    /// the values as the template reads it.
    /// </summary>
    private static Dictionary<string, string> CompactedSettings(string template, Regex setting, JsonNode topics)
    {
        var text = Repository.Read("charts", "vitaltwin", "templates", template);
        var start = text.IndexOf("if $spec.compacted", StringComparison.Ordinal);
        var branch = text[start..text.IndexOf("else", start, StringComparison.Ordinal)];
        var settings = setting.Matches(branch).ToDictionary(
            match => match.Groups["key"].Value,
            match => ((long)Yaml.At(topics, match.Groups["path"].Value)!).ToString(CultureInfo.InvariantCulture));
        settings.Remove("cleanup.policy");
        Assert.NotEmpty(settings);
        return settings;
    }

    [GeneratedRegex(@"printf ""(?<key>[a-z.]+)=%d"" \(int64 \$topics\.(?<path>[\w.]+)\)")]
    private static partial Regex JobSetting();

    [GeneratedRegex(@"(?<key>[a-z.]+): \{\{ int64 \$topics\.(?<path>[\w.]+) \}\}")]
    private static partial Regex StrimziSetting();

    [Fact]
    public void The_chart_lists_every_topic_under_its_configuration_key_with_its_layout()
    {
        var topics = Yaml.At(Yaml.LoadObject("charts", "vitaltwin", "values.yaml"), "messaging.topics")!;
        var specs = topics["specs"]!.AsObject();
        var defaults = new KafkaTopics();
        var shared = (int)topics["partitions"]!;

        // The keys become Kafka__Topics__<key>: each must be a KafkaTopics property (bound case-insensitively).
        var properties = typeof(KafkaTopics).GetProperties().Where(p => p.PropertyType == typeof(string)).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(properties.Keys.Order(StringComparer.OrdinalIgnoreCase), specs.Select(pair => pair.Key).Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

        var chartLayout = specs.Select(pair => (
            Name: (string)pair.Value!["name"]!,
            Partitions: pair.Value["partitions"] is JsonNode own ? (int)own : shared,
            Compacted: (bool?)pair.Value["compacted"] ?? false)).ToList();
        foreach (var (key, spec) in specs)
        {
            Assert.Equal(properties[key].GetValue(defaults), (string?)spec!["name"]);
        }

        Assert.Equal(defaults.Specs(shared).Select(s => (s.Name, s.Partitions, s.Compacted)).Order(), chartLayout.Order());
        // A compacted topic keeps the latest record per key for ever; a retention limit would contradict it.
        Assert.All(specs.Where(pair => (bool?)pair.Value!["compacted"] == true), pair => Assert.Null(pair.Value!["retentionMs"]));
    }

    [Fact]
    public void The_chart_and_the_compose_script_keep_topics_equally_long()
    {
        var specs = Yaml.At(Yaml.LoadObject("charts", "vitaltwin", "values.yaml"), "messaging.topics.specs")!.AsObject();
        var alters = RunCreateTopicsScript(partitions: 5).Where(call => call[0] == "kafka-configs.sh")
            .ToDictionary(call => ValueAfter(call, "--entity-name"), call => ValueAfter(call, "--add-config"));

        foreach (var (_, spec) in specs)
        {
            var retention = spec!["retentionMs"] is JsonNode ms ? $"retention.ms={(long)ms}" : null;
            var scriptRetention = alters[(string)spec["name"]!].Split(',').SingleOrDefault(s => s.StartsWith("retention.ms=", StringComparison.Ordinal));
            Assert.Equal(retention, scriptRetention);
        }
    }

    /// <summary>
    /// Runs deploy/kafka/create-topics.sh with stand-ins for Kafka's tools that record their arguments: what the
    /// script asks of Kafka, without a broker.
    /// </summary>
    private static List<string[]> RunCreateTopicsScript(int partitions)
    {
        var tools = Directory.CreateTempSubdirectory("vitaltwin-kafka-tools-");
        try
        {
            var log = Path.Combine(tools.FullName, "calls.log");
            foreach (var tool in new[] { "kafka-topics.sh", "kafka-configs.sh" })
            {
                var stub = Path.Combine(tools.FullName, tool);
                File.WriteAllText(stub, $"#!/usr/bin/env bash\nprintf '%s\\0' {tool} \"$@\" >> '{log}'\nprintf '\\n' >> '{log}'\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            var start = new ProcessStartInfo("bash", [Repository.PathOf("deploy", "kafka", "create-topics.sh")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment =
                {
                    ["KAFKA_BIN"] = tools.FullName,
                    ["KAFKA_BOOTSTRAP_SERVERS"] = "kafka:9092",
                    ["VITALTWIN_PARTITIONS"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            };
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "create-topics.sh did not finish within 30 s.");
            Assert.True(process.ExitCode == 0, $"create-topics.sh exited with {process.ExitCode}: {errors.Result}");

            return File.ReadAllLines(log).Select(line => line.TrimEnd('\0').Split('\0')).ToList();
        }
        finally
        {
            tools.Delete(recursive: true);
        }
    }

    private static string ValueAfter(string[] call, string option) => call[Array.IndexOf(call, option) + 1];
}
