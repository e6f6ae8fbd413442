using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Consent;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Kafka;
using Xunit.Abstractions;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>The alerts topic as the outbox: records reach real HTTP subscribers through outages, restarts and refusals.</summary>
public sealed class WebhookDeliveryTests(ClusterFixture cluster, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string Secret = "a-shared-secret-of-some-length";

    private string BootstrapServers => cluster.Kafka.BootstrapServers;

    [Fact]
    public async System.Threading.Tasks.Task Alerts_published_while_the_subscriber_fails_or_refuses_connections_are_all_delivered_once_in_order_per_patient()
    {
        using var counters = new DeliveryCounters();
        var topics = cluster.CreateTopics(partitions: 3);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = _ => Reply.Unavailable;
        var subscription = DeliveryHost.Subscription(receiver.Url, secret: Secret);
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        string[] patients = ["patient-a", "patient-b", "patient-c", "patient-d"];
        await using var host = await DeliveryHost.StartAsync(DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), subscription), output);

        // Down with 503: the consumer is stuck on one record and retries it, always with the same key.
        await publisher.PublishAsync(patients.SelectMany(p => Alerts.Lifecycle(p).Take(3)));
        await receiver.WaitUntilAsync(requests => requests.Count >= 4, "four refused attempts");
        Assert.Single(receiver.Requests.Select(r => r.IdempotencyKey).Distinct());

        // Down with nothing listening: connections are refused.
        await receiver.StopAsync();
        var retriedBefore = counters.Retried(subscription.Name);
        await publisher.PublishAsync(patients.SelectMany(p => Alerts.Lifecycle(p).Take(2)));
        await counters.WaitUntilAsync(() => counters.Retried(subscription.Name) >= retriedBefore + 3, "three retries against a closed port");
        Assert.DoesNotContain(receiver.Requests, r => r.Accepted);

        receiver.Respond = _ => Reply.Accept;
        await receiver.StartAsync();
        await receiver.WaitUntilAsync(_ => receiver.Deduplicated.Count >= publisher.Published.Count, "every alert accepted");

        var delivered = receiver.Deduplicated;
        Assert.Equal(publisher.Published.Count, delivered.Count);
        AssertDeliveredInOrderPerPatient(publisher, delivered, subscription.Name);
        AssertKeysStable(receiver.Requests);
        Assert.All(receiver.Requests, request => AssertCloudEvent(request, subscription));
        Assert.DoesNotContain(host.Log.Entries, e => e.Level >= LogLevel.Information && patients.Any(p => e.Message.Contains(p, StringComparison.Ordinal)));
        // The receiver has each record before the sender has its answer: the count follows a moment later.
        await counters.WaitUntilAsync(() => counters.Delivered(subscription.Name) == publisher.Published.Count, "every delivery counted");
        Assert.Equal(0, counters.DeadLettered(subscription.Name));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_delivery_host_stopped_mid_stream_loses_nothing_and_a_new_one_repeats_only_with_the_same_key()
    {
        var topics = cluster.CreateTopics(partitions: 2);
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = DeliveryHost.Subscription(receiver.Url);
        var settings = DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), subscription);
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        string[] patients = ["patient-e", "patient-f", "patient-g"];
        // The sixth request is held open, so the host is stopped while a POST is in flight: the subscriber got it,
        // the host never heard back, and must send it again after the restart.
        var neverReleased = new TaskCompletionSource();
        var count = 0;
        receiver.Respond = _ => Interlocked.Increment(ref count) == 6 ? new Reply(200, Hold: neverReleased.Task) : Reply.Accept;

        var first = await DeliveryHost.StartAsync(settings, output);
        await publisher.PublishAsync(patients.SelectMany(p => Alerts.Lifecycle(p).Take(4)));
        await receiver.WaitUntilAsync(requests => requests.Count >= 6, "the held request");
        await first.DisposeAsync();
        var inFlight = receiver.Requests[5];
        Assert.Null(inFlight.Status);

        await publisher.PublishAsync(patients.SelectMany(p => Alerts.Lifecycle(p).Take(2)));
        await using var second = await DeliveryHost.StartAsync(settings, output);
        await receiver.WaitUntilAsync(_ => receiver.Deduplicated.Count >= publisher.Published.Count, "every alert accepted");

        var delivered = receiver.Deduplicated;
        Assert.Equal(publisher.Published.Count, delivered.Count);
        AssertDeliveredInOrderPerPatient(publisher, delivered, subscription.Name);
        AssertKeysStable(receiver.Requests);
        Assert.Contains(delivered, r => r.IdempotencyKey == inFlight.IdempotencyKey);
        // The abandoned delivery was a cancellation, not a failure: nothing was dead-lettered.
        Assert.Equal(0, HighWatermark(topics.DeadLetter));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_record_the_subscriber_refuses_for_good_goes_to_the_dead_letter_topic_and_later_alerts_still_arrive()
    {
        using var counters = new DeliveryCounters();
        var topics = cluster.CreateTopics(partitions: 1);
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = DeliveryHost.Subscription(receiver.Url);
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        var (before, refused, after) = (Alerts.Raised("patient-h"), Alerts.Raised("patient-h"), Alerts.Raised("patient-h"));
        receiver.Respond = request => request.Headers[DeliveryHeaders.Subject] == refused.AlertId ? new Reply(422) : Reply.Accept;
        await using var host = await DeliveryHost.StartAsync(DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), subscription), output);

        await publisher.PublishAsync([before, refused, after]);
        await receiver.WaitUntilAsync(_ => receiver.Deduplicated.Count >= 2, "the two accepted alerts");

        Assert.Equal([before.AlertId, after.AlertId], receiver.Deduplicated.Select(r => r.Headers[DeliveryHeaders.Subject]));
        Assert.Single(receiver.Requests, r => r.Headers[DeliveryHeaders.Subject] == refused.AlertId);
        var deadLetter = Assert.Single(await ReadAsync(topics.DeadLetter, 1));
        Assert.Equal("patient-h", deadLetter.Message.Key);
        Assert.Equal(refused, AlertRaised.Parser.ParseFrom(deadLetter.Message.Value));
        Assert.Equal(DeliveryHeaders.RejectedReason, Header(deadLetter, EventHeaders.DeadLetterReason));
        Assert.Equal("422", Header(deadLetter, DeliveryHeaders.DeadLetterHttpStatus));
        Assert.Equal(subscription.Name, Header(deadLetter, DeliveryHeaders.DeadLetterSubscription));
        Assert.Equal(topics.Alerts, Header(deadLetter, EventHeaders.DeadLetterSourceTopic));
        Assert.Equal(publisher.Published[1].MessageId, Header(deadLetter, EventHeaders.MessageId));
        Assert.Equal(refused.AlertId, Header(deadLetter, EventHeaders.AlertId));
        Assert.Equal(AlertRaised.Descriptor.FullName, Header(deadLetter, EventHeaders.Schema));
        await counters.WaitUntilAsync(() => counters.Delivered(subscription.Name) == 2, "two deliveries counted");
        Assert.Equal(1, counters.DeadLettered(subscription.Name));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_subscriber_that_is_down_does_not_hold_up_a_healthy_one_which_gets_valid_fhir()
    {
        using var counters = new DeliveryCounters();
        var topics = cluster.CreateTopics(partitions: 2);
        await using var healthy = await WebhookReceiver.StartAsync();
        await using var down = await WebhookReceiver.StartAsync();
        await down.StopAsync();
        var healthySubscription = DeliveryHost.Subscription(healthy.Url, WebhookFormat.FhirR4);
        var downSubscription = DeliveryHost.Subscription(down.Url);
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        await using var host = await DeliveryHost.StartAsync(
            DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), downSubscription, healthySubscription), output);

        await publisher.PublishAsync(Alerts.Lifecycle("patient-i"));
        await counters.WaitUntilAsync(() => counters.Retried(downSubscription.Name) >= 3, "the down subscription retrying");
        await publisher.PublishAsync(Alerts.Lifecycle("patient-j"));
        await healthy.WaitUntilAsync(_ => healthy.Deduplicated.Count >= publisher.Published.Count, "every alert at the healthy subscriber");

        Assert.Equal(0, counters.Delivered(downSubscription.Name));
        AssertDeliveredInOrderPerPatient(publisher, healthy.Deduplicated, healthySubscription.Name);
        foreach (var request in healthy.Deduplicated)
        {
            Assert.Equal("application/fhir+json", request.ContentType);
            var bundle = new FhirJsonDeserializer().Deserialize<Bundle>(request.Text);
            Assert.Equal(Bundle.BundleType.Transaction, bundle.Type);
            Assert.Empty(bundle.Validate());
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_minimum_priority_withholds_lower_alerts_and_their_lifecycle_events()
    {
        var topics = cluster.CreateTopics(partitions: 1);
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = DeliveryHost.Subscription(receiver.Url);
        subscription.MinPriority = AlertPriority.Medium;
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        var low = Alerts.Raised("patient-k", AlertPriority.Low);
        var high = Alerts.Raised("patient-k", AlertPriority.High);
        var last = Alerts.Raised("patient-k", AlertPriority.Medium);
        await using var host = await DeliveryHost.StartAsync(DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), subscription), output);

        await publisher.PublishAsync([low, high, Alerts.Acknowledged(low), Alerts.Escalated(high), Alerts.Resolved(low), Alerts.Acknowledged(high), last]);
        // One partition: once the last record arrived, every earlier one was either sent or withheld.
        await receiver.WaitUntilAsync(_ => receiver.Deduplicated.Any(r => r.Headers[DeliveryHeaders.Subject] == last.AlertId), "the last alert");

        Assert.Equal(
            [(high.AlertId, "AlertRaised"), (high.AlertId, "AlertEscalated"), (high.AlertId, "AlertAcknowledged"), (last.AlertId, "AlertRaised")],
            receiver.Deduplicated.Select(r => (r.Headers[DeliveryHeaders.Subject], r.Headers[DeliveryHeaders.Type].Split('.')[^1])));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_backlog_of_a_patient_who_withdrew_consent_is_not_sent_nor_retried_but_the_closing_of_their_alert_is()
    {
        using var counters = new DeliveryCounters();
        var topics = cluster.CreateTopics(partitions: 1);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = _ => Reply.Unavailable;
        var subscription = DeliveryHost.Subscription(receiver.Url);
        using var publisher = new AlertPublisher(BootstrapServers, topics.Alerts);
        var withdrawing = Alerts.Lifecycle("patient-w").Take(3).ToList();
        var closed = Alerts.Resolved((AlertRaised)withdrawing[0]);
        (closed.Resolution, closed.ResolvedBy, closed.Note) = (Resolution.ConsentWithdrawn, "consent", string.Empty);
        var staying = Alerts.Lifecycle("patient-s").Take(2).ToList();
        await using var host = await DeliveryHost.StartAsync(DeliveryHost.Configuration(BootstrapServers, topics, Unique.Name("notification"), subscription), output);

        // The subscriber is down: the first record is retried and the rest wait behind it, on one partition.
        await publisher.PublishAsync([.. withdrawing, .. staying]);
        await receiver.WaitUntilAsync(requests => requests.Count >= 2, "the first alert retried");
        await WithdrawAsync(host, topics.Consent, "patient-w");
        // Notification closes the patient's alert on the withdrawal; that record is the one still sent.
        await publisher.PublishAsync([closed]);
        // Only once the retried record was given up is the subscriber back, so a late attempt at it would show.
        await counters.WaitUntilAsync(() => counters.Suppressed(subscription.Name) >= 1, "the retried record withheld");
        receiver.Respond = _ => Reply.Accept;
        await receiver.WaitUntilAsync(_ => receiver.Deduplicated.Count >= 3, "the other patient's alerts and the closing");

        var keys = publisher.Published.ToDictionary(p => p.Message, p => WebhookRequest.IdempotencyKeyFor(subscription.Name, p.MessageId));
        Assert.Equal([.. staying.Select(m => keys[m]), keys[closed]], receiver.Deduplicated.Select(r => r.IdempotencyKey));
        Assert.All(receiver.Requests.Where(r => withdrawing.Any(m => keys[m] == r.IdempotencyKey)), r => Assert.Equal(503, r.Status));
        await counters.WaitUntilAsync(() => counters.Suppressed(subscription.Name) == withdrawing.Count, "every record of the backlog withheld");
        Assert.Equal(0, counters.DeadLettered(subscription.Name));
        Assert.Contains(host.Log.Entries, e => e.Message.Contains("the patient's consent does not allow it", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Log.Entries, e => e.Level >= LogLevel.Information && e.Message.Contains("patient-", StringComparison.Ordinal));
    }

    /// <summary>Records a withdrawal as ConsentRegistry does and waits until the delivery host's consent book has it.</summary>
    private async System.Threading.Tasks.Task WithdrawAsync(DeliveryHost host, string consentTopic, string patientId)
    {
        using var producer = new EventProducer(
            Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = BootstrapServers }),
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ApplicationName = "VitalTwin.Notification.Delivery.Tests" },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<EventProducer>.Instance);
        var messageId = Guid.NewGuid().ToString("N");
        using var patience = new CancellationTokenSource(Signal.Timeout);
        var applied = host.Services.GetRequiredService<ConsentFollower>().WhenApplied(messageId, patience.Token);
        var withdrawal = new ConsentRecorded
        {
            PatientId = patientId,
            State = ConsentState.Withdrawn,
            RecordedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            RecordedBy = "registrar-1",
        };
        await producer.PublishAsync(consentTopic, patientId, withdrawal, messageId, CancellationToken.None);
        await applied;
    }

    /// <summary>Per patient, the first accepted delivery of each record is in publish order; every record arrived once.</summary>
    private static void AssertDeliveredInOrderPerPatient(AlertPublisher publisher, IReadOnlyList<ReceivedRequest> delivered, string subscription)
    {
        var expectedKeys = publisher.Published.Select(p => WebhookRequest.IdempotencyKeyFor(subscription, p.MessageId)).ToList();
        Assert.Equal(expectedKeys.Order(), delivered.Select(r => r.IdempotencyKey).Order());
        var patientOf = publisher.Published.ToDictionary(
            p => WebhookRequest.IdempotencyKeyFor(subscription, p.MessageId), p => Alerts.PatientIdOf(p.Message));
        foreach (var patient in patientOf.Values.Distinct())
        {
            Assert.Equal(
                expectedKeys.Where(key => patientOf[key] == patient),
                delivered.Select(r => r.IdempotencyKey).Where(key => patientOf[key] == patient));
        }
    }

    /// <summary>Each record, however often sent, always under one key, and each key always with the same body.</summary>
    private static void AssertKeysStable(IReadOnlyList<ReceivedRequest> requests)
    {
        Assert.All(requests.GroupBy(r => r.Text), sameRecord => Assert.Single(sameRecord.Select(r => r.IdempotencyKey).Distinct()));
        Assert.All(requests.GroupBy(r => r.IdempotencyKey), sameKey => Assert.Single(sameKey.Select(r => r.Text).Distinct()));
    }

    private static void AssertCloudEvent(ReceivedRequest request, WebhookSubscription subscription)
    {
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal("1.0", request.Headers[DeliveryHeaders.SpecVersion]);
        Assert.Equal(request.IdempotencyKey, request.Headers[DeliveryHeaders.Id]);
        Assert.Equal("urn:vitaltwin:test", request.Headers[DeliveryHeaders.Source]);
        var type = request.Headers[DeliveryHeaders.Type];
        var message = (IMessage)JsonParser.Default.Parse(request.Text, AlertRaised.Descriptor.File.MessageTypes.Single(m => m.FullName == type));
        Assert.Equal(Alerts.AlertIdOf(message), request.Headers[DeliveryHeaders.Subject]);
        Assert.True(DateTimeOffset.TryParse(request.Headers[DeliveryHeaders.Time], out var time));
        Assert.True(time >= Alerts.Start);
        Assert.Equal(
            WebhookRequest.Sign(Encoding.UTF8.GetBytes(subscription.Secret!), request.Headers[DeliveryHeaders.Timestamp], request.IdempotencyKey, request.Body),
            request.Headers[DeliveryHeaders.Signature]);
        Assert.InRange(long.Parse(request.Headers[DeliveryHeaders.Timestamp], System.Globalization.CultureInfo.InvariantCulture), request.At.ToUnixTimeSeconds() - 5, request.At.ToUnixTimeSeconds() + 1);
    }

    private Task<List<ConsumeResult<string, byte[]>>> ReadAsync(string topic, int count) =>
        System.Threading.Tasks.Task.Run(() =>
        {
            var config = new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = Unique.Name("reader"), AutoOffsetReset = AutoOffsetReset.Earliest };
            using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
            consumer.Subscribe(topic);
            var read = new List<ConsumeResult<string, byte[]>>();
            using var deadline = new CancellationTokenSource(Signal.Timeout);
            while (read.Count < count)
            {
                read.Add(consumer.Consume(deadline.Token));
            }
            consumer.Close();
            return read;
        });

    private long HighWatermark(string topic)
    {
        var config = new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = Unique.Name("watermark") };
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Signal.Timeout).High.Value;
    }

    private static string Header(ConsumeResult<string, byte[]> result, string name) =>
        result.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new KeyNotFoundException(name);
}
