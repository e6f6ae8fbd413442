using Confluent.Kafka;

namespace VitalTwin.Kafka.Tests;

/// <summary>A consumer of co-partitioned topics holds a partition number from the first of its topics' partitions to the last.</summary>
public sealed class HeldPartitionsTests
{
    [Fact]
    public void A_number_is_taken_with_its_first_topic_and_let_go_with_its_last()
    {
        var held = new HeldPartitions();

        Assert.Equal([0, 1], held.Take([new("telemetry", 0), new("consent", 0), new("telemetry", 1)]));
        Assert.Empty(held.Take([new("consent", 1)]));

        Assert.Empty(held.Release([new("telemetry", 0)]));
        Assert.Equal([0], held.Release([new("consent", 0), new("consent", 0)]));
        Assert.Equal([0], held.Take([new("telemetry", 0)]));
    }

    [Fact]
    public void A_lost_partition_lets_its_number_go_at_once_and_an_unknown_one_changes_nothing()
    {
        var held = new HeldPartitions();
        held.Take([new("telemetry", 2), new("consent", 2), new("telemetry", 3)]);

        Assert.Equal([2], held.Lose([new TopicPartition("telemetry", 2), new TopicPartition("telemetry", 7)]));
        Assert.Empty(held.Release([new("consent", 2)]));
        Assert.Equal([3], held.Release([new("telemetry", 3)]));
    }
}
