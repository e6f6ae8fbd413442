using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using VitalTwin.Kafka.Embedded;
using Xunit.Abstractions;

namespace VitalTwin.Kafka.Tests;

public sealed class EmbeddedKafkaTests(ITestOutputHelper output)
{
    [Fact]
    public void Start_creates_the_topics_with_their_partition_counts()
    {
        var telemetry = Unique.Name("telemetry");
        var deadLetter = Unique.Name("deadletter");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(telemetry, 6, Compacted: false), new TopicSpec(deadLetter, 1, Compacted: false)]);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        var metadata = admin.GetMetadata(Clients.Timeout);

        var topics = metadata.Topics.ToDictionary(t => t.Topic);
        Assert.Equal(ErrorCode.NoError, topics[telemetry].Error.Code);
        Assert.Equal([0, 1, 2, 3, 4, 5], topics[telemetry].Partitions.Select(p => p.PartitionId).Order());
        Assert.Equal(ErrorCode.NoError, topics[deadLetter].Error.Code);
        Assert.Equal([0], topics[deadLetter].Partitions.Select(p => p.PartitionId));
        Assert.All(topics[telemetry].Partitions, p => Assert.Equal(3, p.Replicas.Length));
    }

    [Fact]
    public void CreateTopic_after_start_adds_a_topic_with_the_replication_the_brokers_allow()
    {
        var topic = Unique.Name("later");
        using var kafka = EmbeddedKafka.Start([], brokerCount: 2);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        kafka.CreateTopic(new TopicSpec(topic, 2, Compacted: false));

        var metadata = admin.GetMetadata(topic, Clients.Timeout).Topics.Single();
        Assert.Equal(ErrorCode.NoError, metadata.Error.Code);
        Assert.Equal(2, metadata.Partitions.Count);
        Assert.All(metadata.Partitions, p => Assert.Equal(2, p.Replicas.Length));
    }

    [Fact]
    public void What_the_mock_refuses_surfaces_as_InvalidOperationException()
    {
        var topic = Unique.Name("existing");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 2, Compacted: false)]);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        Assert.Throws<InvalidOperationException>(() => kafka.CreateTopic(new TopicSpec(topic, 5, Compacted: false)));
        Assert.Throws<InvalidOperationException>(() => kafka.SetBrokerDown(kafka.BrokerCount + 1));

        Assert.Equal(2, admin.GetMetadata(topic, Clients.Timeout).Topics.Single().Partitions.Count);
    }

    [Fact]
    public void BootstrapServers_lists_one_loopback_address_per_broker()
    {
        using var kafka = EmbeddedKafka.Start([], brokerCount: 4);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        var addresses = kafka.BootstrapServers.Split(',').Select(IPEndPoint.Parse).ToList();

        Assert.Equal(4, kafka.BrokerCount);
        Assert.Equal(4, addresses.Count);
        Assert.All(addresses, a => Assert.Equal(IPAddress.Loopback, a.Address));
        Assert.Equal(4, addresses.Select(a => a.Port).Distinct().Count());
        var brokers = admin.GetMetadata(Clients.Timeout).Brokers;
        Assert.Equal([1, 2, 3, 4], brokers.Select(b => b.BrokerId).Order());
        Assert.Equal(addresses.Select(a => a.Port).Order(), brokers.Select(b => b.Port).Order());
    }

    [Fact]
    public async Task An_idempotent_producer_and_a_consumer_round_trip_messages_over_tcp()
    {
        var topic = Unique.Name("roundtrip");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 3, Compacted: false)]);
        using var producer = new ProducerBuilder<string, string>(Clients.IdempotentProducer(kafka.BootstrapServers)).Build();
        var sent = Enumerable.Range(0, 30).Select(i => new Message<string, string> { Key = $"patient-{i % 5}", Value = $"reading-{i}" }).ToList();

        foreach (var message in sent)
        {
            var delivered = await producer.ProduceAsync(topic, message);
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }
        var received = await Clients.ReadAsync<string, string>(kafka.BootstrapServers, topic, sent.Count);

        Assert.Equal(sent.Select(m => (m.Key, m.Value)).Order(), received.Select(r => (r.Message.Key, r.Message.Value)).Order());
        // One key, one partition, in order: what every VitalTwin consumer relies on.
        foreach (var key in sent.Select(m => m.Key).Distinct())
        {
            Assert.Single(received.Where(r => r.Message.Key == key).Select(r => r.Partition).Distinct());
            Assert.Equal(sent.Where(m => m.Key == key).Select(m => m.Value), received.Where(r => r.Message.Key == key).Select(r => r.Message.Value));
        }
    }

    [Fact]
    public async Task A_consumer_group_gets_its_first_assignment()
    {
        var topic = Unique.Name("assignment");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 3, Compacted: false)]);
        var assigned = new TaskCompletionSource<List<TopicPartition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var elapsed = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var loop = Task.Factory.StartNew(
            () =>
            {
                using var consumer = new ConsumerBuilder<Ignore, Ignore>(Clients.Consumer(kafka.BootstrapServers, Unique.Name("group")))
                    .SetPartitionsAssignedHandler((_, partitions) => assigned.TrySetResult(partitions))
                    .Build();
                consumer.Subscribe(topic);
                try
                {
                    while (true)
                    {
                        consumer.Consume(stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    consumer.Close();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        try
        {
            var partitions = await assigned.Task.WaitAsync(Clients.Timeout);
            // For the reader only: without Start's rebalance-delay setting this is about 3 s.
            output.WriteLine($"First assignment after {elapsed.ElapsedMilliseconds} ms");

            Assert.All(partitions, p => Assert.Equal(topic, p.Topic));
            Assert.Equal([0, 1, 2], partitions.Select(p => p.Partition.Value).Order());
        }
        finally
        {
            await stop.CancelAsync();
            await loop.WaitAsync(Clients.Timeout);
        }
    }

    [Fact]
    public async Task A_retriable_produce_error_is_retried_and_the_message_delivered_once()
    {
        var topic = Unique.Name("retriable");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 1, Compacted: false)]);
        var log = new ConcurrentQueue<string>();
        var config = Clients.IdempotentProducer(kafka.BootstrapServers);
        config.Debug = "msg"; // librdkafka reports each failed ProduceResponse at this level
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, line) => log.Enqueue(line.Message)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "first" });

        kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.NotLeaderForPartition);
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "second" });

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(2, log.Count(line => line.Contains("Not leader for partition", StringComparison.Ordinal)));
        Assert.Equal(2, Clients.HighWatermark(kafka.BootstrapServers, new TopicPartition(topic, 0)));
        var received = await Clients.ReadAsync<string, string>(kafka.BootstrapServers, topic, 2);
        Assert.Equal(["first", "second"], received.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task A_non_retriable_produce_error_fails_the_delivery()
    {
        var topic = Unique.Name("permanent");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 1, Compacted: false)]);
        using var producer = new ProducerBuilder<string, string>(Clients.IdempotentProducer(kafka.BootstrapServers)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "first" });

        kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.InvalidRequest);
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "rejected" }));

        Assert.Equal(ErrorCode.InvalidRequest, failure.Error.Code);
        Assert.False(failure.Error.IsFatal);
        Assert.Equal(PersistenceStatus.NotPersisted, failure.DeliveryResult.Status);
        // The error was used up by that one request: the producer goes on.
        var next = await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "next" });
        Assert.Equal(PersistenceStatus.Persisted, next.Status);
        var received = await Clients.ReadAsync<string, string>(kafka.BootstrapServers, topic, 2);
        Assert.Equal(["first", "next"], received.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task With_every_broker_down_a_produce_times_out_and_after_they_are_up_a_new_one_succeeds()
    {
        var topic = Unique.Name("outage");
        using var kafka = EmbeddedKafka.Start([new TopicSpec(topic, 1, Compacted: false)]);
        var config = Clients.IdempotentProducer(kafka.BootstrapServers);
        config.MessageTimeoutMs = 3000;
        config.ReconnectBackoffMaxMs = 500; // else the reconnect after the outage may wait up to 10 s
        // Refused connections are the point of this test; they go to the test's output rather than stderr.
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, line) => WriteLine(line.Message)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "before" });

        for (var broker = 1; broker <= kafka.BrokerCount; broker++)
        {
            kafka.SetBrokerDown(broker);
        }
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "during" }).WaitAsync(Clients.Timeout));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);

        for (var broker = 1; broker <= kafka.BrokerCount; broker++)
        {
            kafka.SetBrokerUp(broker);
        }
        var after = await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "after" }).WaitAsync(Clients.Timeout);

        Assert.Equal(PersistenceStatus.Persisted, after.Status);
        var received = await Clients.ReadAsync<string, string>(kafka.BootstrapServers, topic, 2);
        Assert.Equal(["before", "after"], received.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task Dispose_releases_the_cluster_and_a_new_one_starts_in_the_same_process()
    {
        var topic = Unique.Name("restart");
        var first = EmbeddedKafka.Start([new TopicSpec(topic, 1, Compacted: false)]);
        var firstAddress = IPEndPoint.Parse(first.BootstrapServers.Split(',')[0]);

        first.Dispose();
        first.Dispose();

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(firstAddress));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        using var second = EmbeddedKafka.Start([new TopicSpec(topic, 1, Compacted: false)]);
        using var producer = new ProducerBuilder<string, string>(Clients.IdempotentProducer(second.BootstrapServers)).Build();
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "patient", Value = "again" });
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(0, delivered.Offset.Value);
    }

    [Fact]
    public void After_Dispose_every_operation_throws_ObjectDisposedException()
    {
        var kafka = EmbeddedKafka.Start([]);
        kafka.Dispose();

        Assert.Throws<ObjectDisposedException>(() => kafka.CreateTopic(new TopicSpec(Unique.Name("late"), 1, Compacted: false)));
        Assert.Throws<ObjectDisposedException>(() => kafka.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => kafka.SetBrokerUp(1));
        Assert.Throws<ObjectDisposedException>(() => kafka.SetBrokerRoundTrip(1, TimeSpan.FromMilliseconds(10)));
        Assert.Throws<ObjectDisposedException>(() => kafka.PushRequestErrors(KafkaApi.Produce, ErrorCode.NotLeaderForPartition));
        Assert.Throws<ObjectDisposedException>(() => kafka.ClearRequestErrors(KafkaApi.Produce));
    }

    private void WriteLine(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // librdkafka may log once more after the test ended.
        }
    }
}
