using System.Threading.Channels;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

/// <summary>
/// Replicas of a consumer that joins topics by patient: whatever members join or leave, each holds the same partition
/// numbers of every topic it reads, so all of a patient's events reach one replica.
/// </summary>
public sealed class CoPartitionedAssignmentTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const int Partitions = 6;

    [Fact]
    public async Task Three_replicas_hold_the_same_partition_numbers_of_every_joined_topic_through_joins_and_leaves()
    {
        var topics = CreateTopics(Partitions, Partitions, Partitions);
        var groupId = Unique.Name("group");
        var board = new AssignmentBoard(topics.Joined, Partitions);

        await using var a = await StartAsync(topics, groupId, board, "a");
        AssertCoPartitioned(await board.SettledAsync(["a"]));
        await using var b = await StartAsync(topics, groupId, board, "b");
        AssertCoPartitioned(await board.SettledAsync(["a", "b"]));
        await using var c = await StartAsync(topics, groupId, board, "c");
        AssertCoPartitioned(await board.SettledAsync(["a", "b", "c"]));

        await b.DisposeAsync();
        AssertCoPartitioned(await board.SettledAsync(["a", "c"]));
        await using var rejoined = await StartAsync(topics, groupId, board, "b");
        AssertCoPartitioned(await board.SettledAsync(["a", "b", "c"]));
        await a.DisposeAsync();
        AssertCoPartitioned(await board.SettledAsync(["b", "c"]));
    }

    [Fact]
    public async Task A_consumer_whose_joined_topics_differ_in_partition_count_refuses_to_start_and_names_them()
    {
        var topics = CreateTopics(Partitions, Partitions, Partitions - 2);
        var board = new AssignmentBoard(topics.Joined, Partitions);

        await using var host = await StartAsync(topics, Unique.Name("group"), board, "a");
        var consumer = host.Services.GetRequiredService<JoiningConsumer>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => consumer.ExecuteTask!.WaitAsync(Clients.Timeout));
        Assert.Contains($"{topics.Kafka.Consent}: {Partitions - 2}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{topics.Kafka.Telemetry}: {Partitions}", error.Message, StringComparison.Ordinal);
        Assert.Empty(board.HeldBy("a"));
    }

    [Fact]
    public async Task A_member_dropped_from_its_group_loses_its_partitions_without_revoking_them_and_is_given_them_again()
    {
        var topics = CreateTopics(Partitions, Partitions, Partitions);
        var board = new AssignmentBoard(topics.Joined, Partitions);
        await using var a = await StartAsync(topics, Unique.Name("group"), board, "a");
        var held = (await board.SettledAsync(["a"]))["a"];

        // The coordinator no longer knows the member: it must assume another one holds its partitions now.
        cluster.Kafka.PushRequestErrors(KafkaApi.Heartbeat, ErrorCode.UnknownMemberId);

        Assert.Equal(held.Order(), (await board.LostAsync("a")).Order());
        Assert.Equal(held, (await board.SettledAsync(["a"]))["a"]);
        Assert.Equal(0, board.Revocations);
    }

    /// <summary>Each member holds, of every topic, exactly the partition numbers it holds of the others.</summary>
    private static void AssertCoPartitioned(IReadOnlyDictionary<string, IReadOnlySet<TopicPartition>> held)
    {
        Assert.All(held.Values, partitions =>
        {
            var numbersByTopic = partitions.GroupBy(p => p.Topic).Select(topic => topic.Select(p => p.Partition.Value).Order().ToList()).ToList();
            Assert.Equal(3, numbersByTopic.Count);
            Assert.All(numbersByTopic, numbers => Assert.Equal(numbersByTopic[0], numbers));
        });
    }

    private JoinedTopics CreateTopics(int telemetry, int anomalies, int consent)
    {
        var topics = new KafkaTopics
        {
            Telemetry = Unique.Name("telemetry"),
            Anomalies = Unique.Name("anomalies"),
            Consent = Unique.Name("consent"),
            DeadLetter = Unique.Name("deadletter"),
        };
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Telemetry, telemetry, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Anomalies, anomalies, Compacted: false));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.Consent, consent, Compacted: true));
        cluster.Kafka.CreateTopic(new TopicSpec(topics.DeadLetter, 1, Compacted: false));
        return new JoinedTopics(topics);
    }

    private async Task<RunningHost> StartAsync(JoinedTopics topics, string groupId, AssignmentBoard board, string member)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "VitalTwin.Kafka.Tests", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = cluster.Kafka.BootstrapServers,
            ["Kafka:GroupId"] = groupId,
            ["Kafka:ClientId"] = member,
            // The mock cluster holds a rebalance until every member rejoined or timed out: short, so members move quickly.
            ["Kafka:SessionTimeout"] = "00:00:06",
            ["Kafka:Topics:Telemetry"] = topics.Kafka.Telemetry,
            ["Kafka:Topics:Anomalies"] = topics.Kafka.Anomalies,
            ["Kafka:Topics:Consent"] = topics.Kafka.Consent,
            ["Kafka:Topics:DeadLetter"] = topics.Kafka.DeadLetter,
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddSingleton(new BoardSeat(board, member)).AddKafka().AddEventConsumer<JoiningConsumer>(topics => topics.Telemetry, topics => topics.Anomalies, topics => topics.Consent);
        var host = builder.Build();
        await host.StartAsync(CancellationToken.None);
        return new RunningHost(host);
    }

    private sealed record JoinedTopics(KafkaTopics Kafka)
    {
        public IReadOnlyList<string> Joined { get; } = [Kafka.Telemetry, Kafka.Anomalies, Kafka.Consent];
    }

    internal sealed record BoardSeat(AssignmentBoard Board, string Member);

    /// <summary>Reads the three topics TwinState joins by patient, and reports what it holds.</summary>
    internal sealed class JoiningConsumer(
        EventConsumerContext context,
        ILogger<JoiningConsumer> logger,
        BoardSeat seat)
        : EventConsumer(context, logger)
    {
        protected override Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions) => seat.Board.Assigned(seat.Member, partitions);

        protected override void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions) => seat.Board.Revoked(seat.Member, partitions);

        protected override void OnPartitionsLost(IReadOnlyList<TopicPartition> partitions) => seat.Board.Lost(seat.Member, partitions);
    }

    /// <summary>Which partitions each member holds, and a wait for the group to settle on a given set of members.</summary>
    internal sealed class AssignmentBoard(IReadOnlyList<string> topics, int partitions)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, HashSet<TopicPartition>> _held = [];
        private readonly Channel<(string Member, IReadOnlyList<TopicPartition> Partitions)> _lost = Channel.CreateUnbounded<(string, IReadOnlyList<TopicPartition>)>();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _revocations;

        public void Assigned(string member, IEnumerable<TopicPartition> partitions) => Change(member, held => held.UnionWith(partitions));

        public void Revoked(string member, IEnumerable<TopicPartition> partitions)
        {
            Interlocked.Increment(ref _revocations);
            Change(member, held => held.ExceptWith(partitions));
        }

        public void Lost(string member, IReadOnlyList<TopicPartition> partitions)
        {
            Change(member, held => held.ExceptWith(partitions));
            _lost.Writer.TryWrite((member, partitions));
        }

        /// <summary>How often any member's revoke hook ran; closing members at the end of a test are not counted yet.</summary>
        public int Revocations => Volatile.Read(ref _revocations);

        /// <summary>Waits for the next partitions <paramref name="member"/> loses.</summary>
        public async Task<IReadOnlyList<TopicPartition>> LostAsync(string member)
        {
            using var deadline = new CancellationTokenSource(Clients.Timeout);
            try
            {
                while (true)
                {
                    var (loser, partitions) = await _lost.Reader.ReadAsync(deadline.Token);
                    if (loser == member)
                    {
                        return partitions;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{member} lost no partitions within {Clients.Timeout}.");
            }
        }

        public IReadOnlySet<TopicPartition> HeldBy(string member)
        {
            lock (_gate)
            {
                return _held.TryGetValue(member, out var held) ? held.ToHashSet() : [];
            }
        }

        /// <summary>
        /// Waits until exactly <paramref name="members"/> hold partitions and every partition of every topic is held
        /// once: the group finished rebalancing onto them.
        /// </summary>
        public async Task<IReadOnlyDictionary<string, IReadOnlySet<TopicPartition>>> SettledAsync(IReadOnlyCollection<string> members)
        {
            using var deadline = new CancellationTokenSource(Clients.Timeout);
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (Settled(members))
                    {
                        return members.ToDictionary(member => member, member => (IReadOnlySet<TopicPartition>)_held[member].ToHashSet());
                    }
                    changed = _changed.Task;
                }
                try
                {
                    await changed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"The group did not settle on {string.Join(", ", members)} within {Clients.Timeout}: {Describe()}");
                }
            }
        }

        private bool Settled(IReadOnlyCollection<string> members)
        {
            var holders = _held.Where(entry => entry.Value.Count > 0).Select(entry => entry.Key).ToHashSet();
            var all = _held.Values.SelectMany(held => held).ToList();
            return holders.SetEquals(members)
                && all.Count == topics.Count * partitions
                && all.Distinct().Count() == all.Count;
        }

        private string Describe()
        {
            lock (_gate)
            {
                return string.Join("; ", _held.Select(entry => $"{entry.Key}: {string.Join(' ', entry.Value.Select(p => $"{p.Topic[..10]}[{p.Partition.Value}]"))}"));
            }
        }

        private void Change(string member, Action<HashSet<TopicPartition>> change)
        {
            lock (_gate)
            {
                if (!_held.TryGetValue(member, out var held))
                {
                    _held[member] = held = [];
                }
                change(held);
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private sealed class RunningHost(IHost host) : IAsyncDisposable
    {
        private bool _disposed;

        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
