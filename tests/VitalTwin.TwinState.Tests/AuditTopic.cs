using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace VitalTwin.TwinState.Tests;

/// <summary>Reading the audit topic back, and checking that records carry no vital value.</summary>
internal static class AuditTopic
{
    /// <summary>Every record of the topic, partition by partition, from its start to its end as of now, with its <c>schema</c> header.</summary>
    public static IReadOnlyList<(string Key, byte[] Value, string? Schema)> Read(string bootstrapServers, string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = $"test-audit-reader-{Guid.NewGuid():N}", EnableAutoCommit = false };
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var records = new List<(string, byte[], string?)>();
        foreach (var partition in admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value))
        {
            var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(30)).High.Value;
            if (end == 0)
            {
                continue;
            }
            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var result = consumer.Consume(deadline.Token);
                var schema = result.Message.Headers.TryGetLastBytes("schema", out var header) ? Encoding.UTF8.GetString(header) : null;
                records.Add((result.Message.Key, result.Message.Value, schema));
                if (result.Offset.Value >= end - 1)
                {
                    break;
                }
            }
        }
        return records;
    }

    /// <summary>Whether the bytes hold <paramref name="value"/> as a protobuf double, as a float, or as text.</summary>
    public static bool Contains(byte[] bytes, double value)
    {
        var asDouble = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(asDouble, value);
        var asFloat = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(asFloat, (float)value);
        var asText = Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture));
        return bytes.AsSpan().IndexOf(asDouble) >= 0 || bytes.AsSpan().IndexOf(asFloat) >= 0 || bytes.AsSpan().IndexOf(asText) >= 0;
    }
}
