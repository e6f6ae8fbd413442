using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace VitalTwin.Kafka.Embedded;

/// <summary>
/// A Kafka-protocol cluster inside this process: librdkafka's mock cluster, listening on 127.0.0.1 so
/// that other processes connect to <see cref="BootstrapServers"/> with any Kafka client. Memory only,
/// about 5 MiB kept per partition, no compaction, TLS or SASL; topics are created here because the mock
/// does not serve CreateTopics.
/// </summary>
public sealed class EmbeddedKafka : IDisposable
{
    private IntPtr _handle;
    private IntPtr _cluster;

    private EmbeddedKafka(IntPtr handle, IntPtr cluster, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(NativeMock.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap address.");
    }

    /// <summary>Comma-separated <c>127.0.0.1:port</c> list of the brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>Brokers are numbered 1..BrokerCount.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster with <paramref name="brokerCount"/> brokers and creates <paramref name="topics"/>.</summary>
    public static EmbeddedKafka Start(IEnumerable<TopicSpec> topics, int brokerCount = 3)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        NativeMock.EnsureLoaded();

        var error = new byte[512];
        var conf = NativeMock.rd_kafka_conf_new();
        // The hosting handle never connects anywhere; below warning level it stays quiet about having no bootstrap servers.
        NativeMock.rd_kafka_conf_set(conf, "log_level", "3", error, (nuint)error.Length);
        var handle = NativeMock.rd_kafka_new(NativeMock.ProducerType, conf, error, (nuint)error.Length);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka could not create a handle: " + Encoding.UTF8.GetString(error).TrimEnd('\0'));
        }
        var cluster = NativeMock.rd_kafka_mock_cluster_new(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            NativeMock.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka could not create a mock cluster.");
        }
        var kafka = new EmbeddedKafka(handle, cluster, brokerCount);
        // Consumer groups otherwise wait 3 s for more members before the first assignment.
        NativeMock.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
        foreach (var topic in topics)
        {
            kafka.CreateTopic(topic);
        }
        return kafka;
    }

    public void CreateTopic(TopicSpec topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Check(NativeMock.rd_kafka_mock_topic_create(Cluster, topic.Name, topic.Partitions, Math.Min(3, BrokerCount)), $"create topic {topic.Name}");
    }

    /// <summary>Takes a broker off the network: its connections drop and new ones are refused.</summary>
    public void SetBrokerDown(int brokerId) => Check(NativeMock.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"take broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(NativeMock.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"bring broker {brokerId} up");

    /// <summary>Adds a round-trip delay to every request a broker answers.</summary>
    public void SetBrokerRoundTrip(int brokerId, TimeSpan roundTrip) =>
        Check(NativeMock.rd_kafka_mock_broker_set_rtt(Cluster, brokerId, (int)roundTrip.TotalMilliseconds), $"set round trip of broker {brokerId}");

    /// <summary>The next requests of kind <paramref name="api"/> fail with these errors, one each, in order.</summary>
    public void PushRequestErrors(KafkaApi api, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        NativeMock.rd_kafka_mock_push_request_errors_array(Cluster, (short)api, (nuint)errors.Length, Array.ConvertAll(errors, e => (int)e));
    }

    public void ClearRequestErrors(KafkaApi api) => NativeMock.rd_kafka_mock_clear_request_errors(Cluster, (short)api);

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            NativeMock.rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }
        if (_handle != IntPtr.Zero)
        {
            NativeMock.rd_kafka_destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    private IntPtr Cluster => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(EmbeddedKafka));

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster could not {what}: {Marshal.PtrToStringUTF8(NativeMock.rd_kafka_err2str(error))}");
        }
    }
}
