using VitalTwin.Kafka;
using Xunit.Abstractions;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// deploy/README's Kafka ACL table (who may write, who may read each topic, and which consumer groups each principal
/// uses) is the one the services' registrations give, as the README's topology table is: it cannot drift from the code.
/// </summary>
public sealed class KafkaAclTests(ITestOutputHelper output)
{
    private const string Begin = "<!-- kafka-acls:begin -->";
    private const string End = "<!-- kafka-acls:end -->";
    private const string UpdateVariable = "VITALTWIN_UPDATE_DOCS";

    private static readonly KafkaTopics Defaults = new();

    [Fact]
    public void The_deploy_readme_acl_table_is_the_one_the_registrations_give()
    {
        var fresh = KafkaAclTable.Render(ServiceTopology.All, Defaults);
        var readme = Repository.Read("deploy", "README.md");
        var begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"deploy/README.md has no {Begin} … {End} section; its table would be:\n{fresh}");
        var current = readme[(begin + Begin.Length)..end].Trim();

        if (current != fresh && Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(Repository.PathOf("deploy", "README.md"), readme[..(begin + Begin.Length)] + "\n" + fresh + "\n" + readme[end..]);
            output.WriteLine("deploy/README.md's ACL table rewritten.");
            return;
        }
        Assert.True(current == fresh, $"deploy/README.md's ACL table is out of date; run this test with {UpdateVariable}=1, or paste:\n{fresh}");
    }

    [Fact]
    public void Only_the_gateway_may_write_device_bindings_and_readings_and_only_twin_state_consent_twins_and_clinicians_commands()
    {
        var writers = KafkaAclTable.Writers(ServiceTopology.All, Defaults);

        Assert.Equal(["Gateway"], writers[Defaults.Devices]);
        Assert.Equal(["Gateway"], writers[Defaults.Telemetry]);
        Assert.Equal(["TwinState"], writers[Defaults.Consent]);
        Assert.Equal(["TwinState"], writers[Defaults.Twins]);
        Assert.Equal(["TwinState"], writers[Defaults.PatientCommands]);
        Assert.Equal(["TwinState"], writers[Defaults.PatientSettings]);
        Assert.Equal(["Notification"], writers[Defaults.Alerts]);
        Assert.Equal(["AnomalyDetection"], writers[Defaults.Anomalies]);
    }
}

/// <summary>
/// The Kafka ACLs each service's principal needs: Write on what it produces, Read on what it consumes, follows or reads
/// back as its own state, and Read on its consumer groups. Derived from the same declarations as the topology table.
/// </summary>
internal static class KafkaAclTable
{
    /// <summary>
    /// A consumer given partitions reads back its own state from these (its checkpoints), besides what it declares;
    /// the topology table leaves them out (README, "Topology").
    /// </summary>
    private static readonly Dictionary<string, Func<KafkaTopics, string>[]> StateReads = new(StringComparer.Ordinal)
    {
        ["TwinState"] = [topics => topics.Twins],
        ["AnomalyDetection"] = [topics => topics.DetectorState],
        ["Notification"] = [topics => topics.Alerts],
    };

    public static Dictionary<string, List<string>> Writers(IReadOnlyList<ServiceTopology> services, KafkaTopics topics) =>
        topics.Specs(partitions: 1).ToDictionary(
            spec => spec.Name,
            spec => services.Where(service => service.Topology.Uses.Any(use => use.Role == TopicRole.Produces && use.Topic(topics) == spec.Name))
                .Select(service => service.Service).ToList(),
            StringComparer.Ordinal);

    public static string Render(IReadOnlyList<ServiceTopology> services, KafkaTopics topics)
    {
        var writers = Writers(services, topics);
        var lines = new List<string>
        {
            "| Topic | Write | Read |",
            "|---|---|---|",
        };
        foreach (var spec in topics.Specs(partitions: 1))
        {
            var readers = services.Select(service => Reader(service, spec.Name, topics)).OfType<string>().ToList();
            var write = writers[spec.Name].Select(Principal).DefaultIfEmpty("nobody").ToList();
            lines.Add($"| `{spec.Name}` | {string.Join(", ", write)} | {(readers.Count == 0 ? "nobody (operators' tools)" : string.Join(", ", readers))} |");
        }

        lines.Add("");
        lines.Add("| Principal | Consumer groups (Read) |");
        lines.Add("|---|---|");
        foreach (var service in services)
        {
            var groups = service.Topology.Uses.Where(use => use.Role == TopicRole.Consumes)
                .Select(use => use.Group?.Invoke(service.GroupId) ?? service.GroupId).Distinct().Select(group => $"`{group}`").ToList();
            lines.Add($"| {Principal(service.Service)} | {(groups.Count == 0 ? "none" : string.Join(", ", groups))} |");
        }
        return string.Join('\n', lines);
    }

    private static string? Reader(ServiceTopology service, string topic, KafkaTopics topics)
    {
        var uses = service.Topology.Uses.Where(use => use.Topic(topics) == topic).ToList();
        var how = new List<string>();
        if (uses.Any(use => use.Role == TopicRole.Consumes))
        {
            how.Add("consumes");
        }
        if (uses.Any(use => use.Role == TopicRole.Follows))
        {
            how.Add("follows");
        }
        if (StateReads.TryGetValue(service.Service, out var own) && own.Any(read => read(topics) == topic))
        {
            how.Add("reads back its state");
        }
        return how.Count == 0 ? null : $"{Principal(service.Service)} ({string.Join(", ", how)})";
    }

    /// <summary>The principal the chart signs each service in as: its Secret's username, by convention the Deployment's name.</summary>
    private static string Principal(string service) => $"`User:vitaltwin-{new DeployableService(service).Kebab}`";
}
