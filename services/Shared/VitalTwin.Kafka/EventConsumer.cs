using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka.Security;
using VitalTwin.Privacy;

namespace VitalTwin.Kafka;

/// <summary>
/// The consumer loop every service shares. An offset is stored only after its event was handled (or,
/// when it cannot be handled, after it was written to the dead-letter topic), so nothing is lost or
/// silently skipped; auto-commit then commits stored offsets. Partitions of one topic are handled in
/// order, one event at a time, each in a span that continues the publisher's trace.
/// A consumer of several topics is co-partitioned: every replica holds the same partition numbers of each topic it
/// reads (range assignment, and a start-up check that the topics have equal partition counts).
/// On stop (SIGTERM) the loop takes no further event, lets the one in flight finish, and closes: the
/// revoke hooks checkpoint, and what is stored is committed before the member leaves its group.
/// An error from a poll is handled as every consume loop handles it (<see cref="ConsumeErrors"/>): a transient one
/// pauses the loop, a fatal one ends it, and with it the host.
/// A group that fell further behind than the topic keeps resumes at the oldest record kept (<c>auto.offset.reset</c>
/// earliest), never silently: <see cref="SkippedRecords"/> logs an error and counts what was skipped.
/// </summary>
public abstract partial class EventConsumer : BackgroundService
{
    private readonly KafkaOptions _options;
    private readonly KafkaTopics _topics;
    private readonly KafkaTopology _topology;
    private readonly EventProducer _producer;
    private readonly ILogger _logger;
    private readonly string _groupId;
    private readonly string _clientId;

    /// <summary>
    /// A consumer in the service's group; it subscribes to the topics declared for its type where it is registered
    /// (<see cref="KafkaServiceCollectionExtensions.AddEventConsumer{TConsumer}"/>).
    /// </summary>
    protected EventConsumer(EventConsumerContext context, ILogger logger)
        : this(context, logger, static serviceGroupId => serviceGroupId)
    {
    }

    /// <summary>
    /// For a consumer that must keep offsets of its own (e.g. one per delivery target): <paramref name="groupId"/>
    /// turns the service's group id into this consumer's.
    /// </summary>
    protected EventConsumer(EventConsumerContext context, ILogger logger, Func<string, string> groupId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(groupId);
        _options = context.Kafka;
        _topics = context.Topics;
        _topology = context.Topology;
        _producer = context.Producer;
        Clock = context.Clock;
        _logger = logger;
        _groupId = groupId(_options.GroupId ?? context.Environment.ApplicationName);
        _clientId = _options.ClientId ?? context.Environment.ApplicationName;
    }

    /// <summary>The process's producer, for the events a handler publishes.</summary>
    protected EventProducer Producer => _producer;

    /// <summary>Topic names, for the events a handler publishes.</summary>
    protected KafkaTopics Topics => _topics;

    /// <summary>The Kafka options, for reading a state topic when partitions are assigned.</summary>
    protected KafkaOptions Kafka => _options;

    /// <summary>The process's clock.</summary>
    protected TimeProvider Clock { get; }

    /// <summary>Applies one event. Must be idempotent: after a crash the event may be seen again.</summary>
    protected abstract Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken);

    /// <summary>
    /// Called on the consuming thread when partitions are assigned, before any of their events is handled:
    /// the place to restore state for them.
    /// </summary>
    protected virtual void OnPartitionsAssigned(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>
    /// Called on the consuming thread when partitions are taken away, on a rebalance or at shutdown, before
    /// offsets are committed: the place to checkpoint state for them.
    /// </summary>
    protected virtual void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>
    /// Called on the consuming thread when partitions were lost (this member was dropped from its group, e.g. it missed
    /// its heartbeats): another member may own them already, so their state is dropped without writing anything, and
    /// restored afresh should they come back.
    /// </summary>
    protected virtual void OnPartitionsLost(IReadOnlyList<TopicPartition> partitions)
    {
    }

    /// <summary>
    /// False: the offset of each event is stored as soon as it is handled. True: the consumer stores offsets
    /// itself with <see cref="StoreOffset"/>, e.g. only once the state they reflect is checkpointed.
    /// </summary>
    protected virtual bool StoresOffsetsItself => false;

    /// <summary>Marks everything before <paramref name="next"/> as done; committed with the next auto-commit.</summary>
    protected void StoreOffset(TopicPartitionOffset next) =>
        (_consumer ?? throw new InvalidOperationException("The consumer is not running.")).StoreOffset(next);

    private IConsumer<string, byte[]>? _consumer;

    // Cancelled only when the host gives up waiting for a graceful stop; a stop request alone lets the
    // event in flight finish, so its effects and its offset are not left half done. Never disposed: it has no
    // timer, and the loop may still observe it after the host has let go of this service.
    private readonly CancellationTokenSource _abandon = new();

    // Bounds each ask for a topic's partition count, so a stop request is seen while the cluster is away.
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(5);

    // Bounds how long a stop request or an idle hook waits when no event arrives.
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    /// <summary>Called on the consuming thread when no event arrived for a moment: time-driven work such as checkpoints.</summary>
    protected virtual Task OnIdleAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Signalled the first time this consumer is given partitions; lets hosts and tests wait for readiness.</summary>
    public Task Assigned => _assigned.Task;

    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // Consume() blocks, so the loop gets a thread of its own rather than starving the host's start-up.
        Task.Factory.StartNew(() => ConsumeLoopAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>
    /// Stops taking events and waits for the loop to finish the one in flight and close; only when
    /// <paramref name="cancellationToken"/> fires (the host's shutdown timeout) is the handler cancelled.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken);
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // The host stopped waiting. The handler is told to give up, its event stays uncommitted for the
                // next member, and the loop closes the consumer on its own; the host does not wait for that.
                _ = _abandon.CancelAsync();
            }
        }
    }

    private async Task ConsumeLoopAsync(CancellationToken stoppingToken)
    {
        var metrics = _producer.Metrics;
        var skipped = new SkippedRecords(_groupId, metrics, _logger);
        var subscribed = _topology.SubscriptionOf(GetType(), _topics);
        var joinsTopics = subscribed.Count > 1;
        var config = _options.Connect(new ConsumerConfig
        {
            GroupId = _groupId,
            ClientId = _clientId,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            // Where a new group starts, and where one resumes whose committed offset retention dropped: the oldest
            // record kept. The latter loses records; SkippedRecords reports it.
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A consumer of several topics joins them by patient, so a member must hold partition i of every one of
            // them: librdkafka's range assignor gives partition i of each topic with equal partition counts to the same
            // member; cooperative-sticky balances partitions one by one and splits a patient's topics between
            // replicas. Range rebalances stop the world, which the revoke and assign hooks already handle.
            PartitionAssignmentStrategy = joinsTopics ? PartitionAssignmentStrategy.Range : PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            FetchWaitMaxMs = (int)_options.FetchWaitMax.TotalMilliseconds,
        });
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code, error.Reason))
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                LogAssigned(_logger, partitions.Count);
                OnPartitionsAssigned(partitions);
                _assigned.TrySetResult();
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                LogRevoked(_logger, partitions.Count);
                var revoked = partitions.Select(p => p.TopicPartition).ToList();
                OnPartitionsRevoked(revoked);
                metrics.ForgetLag(_groupId, revoked);
                skipped.Released(revoked);
            })
            .SetPartitionsLostHandler((_, partitions) =>
            {
                // Lost, not revoked: another member may own them already, so their state must not be written.
                LogLost(_logger, partitions.Count);
                var lost = partitions.Select(p => p.TopicPartition).ToList();
                OnPartitionsLost(lost);
                metrics.ForgetLag(_groupId, lost);
                skipped.Released(lost);
            })
            .Build();
        _consumer = consumer;
        if (joinsTopics)
        {
            EnsureCoPartitioned(consumer, subscribed, stoppingToken);
        }
        consumer.Subscribe(subscribed);
        var handling = _abandon.Token;
        var errors = new ConsumeErrors(_groupId, _producer.Clock, metrics, _logger);
        try
        {
            // The stop request is checked only between events: the one being handled always finishes.
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? result;
                try
                {
                    result = consumer.Consume(IdlePoll);
                    errors.Recovered();
                }
                catch (KafkaException ex)
                {
                    await errors.RecoverAsync(ex, stoppingToken);
                    continue;
                }
                if (result?.Message is null)
                {
                    await OnIdleAsync(stoppingToken);
                    ReportLag(consumer, metrics);
                    continue;
                }
                skipped.Consumed(consumer, result);
                await ProcessAsync(result, handling);
                if (!StoresOffsetsItself)
                {
                    consumer.StoreOffset(result);
                }
                ReportLag(consumer, metrics, result);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Runs the revoke hooks (checkpoints), commits what was stored and leaves the group at once, so
            // partitions move without waiting for a session timeout.
            consumer.Close();
            _consumer = null;
            metrics.ForgetLag(_groupId);
            LogClosed(_logger);
        }
    }

    /// <summary>
    /// Fails the start unless the joined topics have equal partition counts: otherwise the range assignor gives their
    /// partition numbers to different members, and a patient's events split between replicas without any error.
    /// </summary>
    private void EnsureCoPartitioned(IConsumer<string, byte[]> consumer, IReadOnlyCollection<string> topics, CancellationToken stoppingToken)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var counts = topics.Select(topic => (Topic: topic, Partitions: PartitionCount(admin, topic, stoppingToken))).ToList();
        if (counts.Select(count => count.Partitions).Distinct().Count() > 1)
        {
            throw new InvalidOperationException(
                "The topics this consumer joins by patient must have equal partition counts (co-partitioning), and they have " +
                string.Join(", ", counts.Select(count => $"{count.Topic}: {count.Partitions}")) + " (0: the topic does not exist).");
        }
    }

    /// <summary>A topic's partition count, 0 when it does not exist; waits for the cluster as the consumer itself would.</summary>
    private int PartitionCount(IAdminClient admin, string topic, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var metadata = admin.GetMetadata(topic, MetadataWait).Topics.Single(t => t.Topic == topic);
                return metadata.Error.Code == ErrorCode.UnknownTopicOrPart ? 0 : metadata.Partitions.Count;
            }
            catch (KafkaException ex)
            {
                LogMetadataUnavailable(_logger, topic, ex.Error.Code);
            }
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    private async Task ProcessAsync(ConsumeResult<string, byte[]> result, CancellationToken handling)
    {
        using var activity = KafkaInstrumentation.StartProcess(result, _groupId);
        var consumed = new ConsumedEvent(result);
        LogHandling(_logger, consumed.Schema, result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key);
        try
        {
            await HandleAsync(consumed, handling);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !handling.IsCancellationRequested)
        {
            KafkaInstrumentation.Failed(activity, ex);
            await DeadLetterAsync(result, ex, handling);
        }
    }

    /// <summary>The lag of the partition just handled, from the high watermark the last fetch reported.</summary>
    private void ReportLag(IConsumer<string, byte[]> consumer, KafkaMetrics metrics, ConsumeResult<string, byte[]> handled)
    {
        var high = consumer.GetWatermarkOffsets(handled.TopicPartition).High;
        if (high != Offset.Unset)
        {
            metrics.ReportLag(_groupId, handled.TopicPartition, high.Value - (handled.Offset.Value + 1));
        }
    }

    /// <summary>When idle, every assigned partition's lag, so a partition that caught up or stalled shows it too.</summary>
    private void ReportLag(IConsumer<string, byte[]> consumer, KafkaMetrics metrics)
    {
        foreach (var partition in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            var position = consumer.Position(partition);
            if (high != Offset.Unset && position != Offset.Unset)
            {
                metrics.ReportLag(_groupId, partition, high.Value - position.Value);
            }
        }
    }

    private async Task DeadLetterAsync(ConsumeResult<string, byte[]> result, Exception error, CancellationToken cancellationToken)
    {
        // Only the exception type goes along: messages may quote the payload, which holds patient data.
        LogDeadLettered(_logger, result.Topic, result.Partition.Value, result.Offset.Value, error.GetType().Name);
        LogDeadLetteredPatient(_logger, result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key);
        _producer.Metrics.ReportDeadLettered(_groupId, result.Topic, error);
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        var source = new Headers
        {
            { EventHeaders.DeadLetterReason, Encoding.UTF8.GetBytes(error.GetType().Name) },
            { EventHeaders.DeadLetterSourceTopic, Encoding.UTF8.GetBytes(result.Topic) },
            { EventHeaders.DeadLetterSourcePartition, Encoding.UTF8.GetBytes(result.Partition.Value.ToString(CultureInfo.InvariantCulture)) },
            { EventHeaders.DeadLetterSourceOffset, Encoding.UTF8.GetBytes(result.Offset.Value.ToString(CultureInfo.InvariantCulture)) },
        };
        foreach (var header in source)
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        try
        {
            await _producer.PublishRawAsync(_topics.DeadLetter, result.Message.Key, result.Message.Value, headers, cancellationToken);
        }
        catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge)
        {
            // An event that only just fitted its topic no longer fits with these headers; failing here would stop the
            // consumer at it for good. The dead letter points at it instead: it stays readable at its source offset.
            source.Add(EventHeaders.DeadLetterPayloadOmitted, Encoding.UTF8.GetBytes(ex.Error.Code.ToString()));
            await _producer.PublishRawAsync(_topics.DeadLetter, null!, [], source, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka consumer error {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition count of {Topic} not known yet ({Code}); asking again")]
    private static partial void LogMetadataUnavailable(ILogger logger, string topic, ErrorCode code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned {Count} partitions")]
    private static partial void LogAssigned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked {Count} partitions")]
    private static partial void LogRevoked(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer closed: offsets committed and the group left")]
    private static partial void LogClosed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost {Count} partitions")]
    private static partial void LogLost(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event at {Topic}[{Partition}]@{Offset} could not be handled ({Error}); sent to the dead-letter topic")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int partition, long offset, string error);

    // Which patient's event failed, for an operator who turns on Debug to follow one patient; redacted like every
    // patient id (an HMAC token where a redaction key is configured, so one patient's lines still match up).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Dead-lettered event at {Topic}[{Partition}]@{Offset} is patient {PatientId}'s")]
    private static partial void LogDeadLetteredPatient(ILogger logger, string topic, int partition, long offset, [PatientIdentifier] string? patientId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Handling {Schema} at {Topic}[{Partition}]@{Offset} for patient {PatientId}")]
    private static partial void LogHandling(ILogger logger, string? schema, string topic, int partition, long offset, [PatientIdentifier] string? patientId);
}
