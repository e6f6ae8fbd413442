using System.Text.RegularExpressions;
using VitalTwin.Kafka;
using Xunit.Abstractions;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// The README's topology table (which service produces, consumes and follows which topic) is the one the services'
/// registrations give, and what they declare they produce is what their code publishes.
/// </summary>
public sealed partial class TopologyTests(ITestOutputHelper output)
{
    private const string Begin = "<!-- topology:begin -->";
    private const string End = "<!-- topology:end -->";
    private const string UpdateVariable = "VITALTWIN_UPDATE_DOCS";

    private static readonly KafkaTopics Defaults = new();

    [Fact]
    public void The_readme_topology_table_is_the_one_the_registrations_give()
    {
        var fresh = TopologyTable.Render(ServiceTopology.All, Defaults);
        var readme = Repository.Read("README.md");
        var begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"README.md has no {Begin} … {End} section; its table would be:\n{fresh}");
        var current = readme[(begin + Begin.Length)..end].Trim();

        if (current != fresh && Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(Repository.PathOf("README.md"), readme[..(begin + Begin.Length)] + "\n" + fresh + "\n" + readme[end..]);
            output.WriteLine("README.md's topology table rewritten.");
            return;
        }
        Assert.True(current == fresh, $"README.md's topology table is out of date; run this test with {UpdateVariable}=1, or paste:\n{fresh}");
    }

    [Theory]
    [InlineData("Gateway")]
    [InlineData("TwinState")]
    [InlineData("AnomalyDetection")]
    [InlineData("Notification")]
    public void A_service_declares_producing_exactly_the_topics_its_code_publishes_to(string service)
    {
        var declared = ServiceTopology.All.Single(topology => topology.Service == service).Topology.Uses
            .Where(use => use.Role == TopicRole.Produces).Select(use => use.Topic(Defaults)).ToHashSet();
        var published = PublishedTopics(Path.Combine(Repository.Services, service));
        // The shared libraries publish for every service that registers them (audit trail, members, dead letters).
        var sharedPublished = PublishedTopics(Path.Combine(Repository.Services, "Shared"));

        Assert.Empty(published.Except(declared));
        Assert.Empty(declared.Except(published).Except(sharedPublished));
        Assert.NotEmpty(published);
    }

    /// <summary>
    /// The topics the code under <paramref name="directory"/> names as the first argument of a producer's Publish call:
    /// a <see cref="KafkaTopics"/> property (<c>topics.Value.Alerts</c>, <c>Topics.Anomalies</c>), or a follower's
    /// own <c>Topic</c>, the one it passes to its base.
    /// </summary>
    private static HashSet<string> PublishedTopics(string directory)
    {
        var published = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var code in files.Select(File.ReadAllText))
        {
            foreach (Match call in PublishCall().Matches(code))
            {
                var name = call.Groups["topic"].Value.Split('.')[^1];
                if (name == "Topic" && FollowedTopic().Match(code) is { Success: true } followed)
                {
                    name = followed.Groups["topic"].Value;
                }
                if (typeof(KafkaTopics).GetProperty(name)?.GetValue(Defaults) is string topic)
                {
                    published.Add(topic);
                }
            }
        }
        return published;
    }

    [GeneratedRegex(@"\.Publish(?:Tombstone|Raw)?Async\(\s*(?<topic>[\w.]+)\s*,")]
    private static partial Regex PublishCall();

    [GeneratedRegex(@"base\([^;{]*?topics\.Value\.(?<topic>\w+)")]
    private static partial Regex FollowedTopic();
}

/// <summary>Topics down, services across; a cell says what the service does with the topic.</summary>
internal static class TopologyTable
{
    public static string Render(IReadOnlyList<ServiceTopology> services, KafkaTopics topics)
    {
        var lines = new List<string>
        {
            $"| Topic | {string.Join(" | ", services.Select(service => service.Service))} |",
            $"|---|{string.Concat(services.Select(_ => "---|"))}",
        };
        foreach (var spec in topics.Specs(partitions: 1))
        {
            var cells = services.Select(service => Cell(service, spec.Name, topics)).ToList();
            if (cells.Any(cell => cell.Length > 0))
            {
                lines.Add($"| `{spec.Name}` | {string.Join(" | ", cells)} |");
            }
        }
        return string.Join('\n', lines);
    }

    private static string Cell(ServiceTopology service, string topic, KafkaTopics topics)
    {
        var uses = service.Topology.Uses.Where(use => use.Topic(topics) == topic).ToList();
        var groups = uses.Where(use => use.Role == TopicRole.Consumes).Select(use => use.Group?.Invoke(service.GroupId) ?? service.GroupId).Distinct();
        return string.Join(", ", [
            .. uses.Any(use => use.Role == TopicRole.Produces) ? ["produces"] : Array.Empty<string>(),
            .. groups.Select(group => $"consumes (`{group}`)"),
            .. uses.Any(use => use.Role == TopicRole.Follows) ? ["follows"] : Array.Empty<string>(),
        ]);
    }
}
