using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Consent;

/// <summary>
/// Consent as a consumer of patient-keyed topics enforces it, for the partition numbers it holds: the consent topic is
/// co-partitioned with what it reads, so each partition's consents are restored from their partition before its first
/// event (<see cref="Restore"/>), kept current from the consent records the consumer is given (<see cref="Apply"/>), and
/// asked before every event (<see cref="Withholds"/>). A refusal or withdrawal owes an erasure; while one is owed, the
/// consent offset the consumer may store stops at the record that asked for it (<see cref="StorableOffset"/>), so a
/// restart, or the partition's next owner, reads it again and erases again. One per consumer; the owed erasures and
/// offsets belong to the consuming thread, the consents may be asked from any.
/// </summary>
public sealed partial class PartitionConsents(
    IOptions<ConsentOptions> options,
    EventConsumerContext context,
    ILogger<PartitionConsents> logger)
{
    private static readonly TopicPartitionOffset[] NothingToStore = [];

    private readonly ConcurrentDictionary<int, Partition> _partitions = new();

    /// <summary>
    /// Reads the partition's consent records from its start to its end: called on the consuming thread when the
    /// partition number is given, before any of its events is handled. Returns its consents, to filter restored state by.
    /// </summary>
    public ConsentBook Restore(int partition)
    {
        var book = new ConsentBook(options.Value.WithoutRecord);
        ConsentRecords.Restore(book, context.Kafka, new TopicPartition(context.Topics.Consent, partition), context.Clock.GetUtcNow(), CancellationToken.None);
        _partitions[partition] = new Partition(book);
        return book;
    }

    /// <summary>Forgets partitions let go of, or lost: what they still owe is owed again by whoever reads their consent records next.</summary>
    public void Drop(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            _partitions.TryRemove(partition, out _);
        }
    }

    /// <summary>Whether the patient's data may be processed; false for a partition not held here, whose consents are unknown.</summary>
    public bool MayProcess(int partition, string patientId) => _partitions.TryGetValue(partition, out var held) && held.Book.MayProcess(patientId);

    /// <summary>
    /// True, with a Debug line, when the event's patient may not be processed: the event is to be dropped unread,
    /// before validation too (a malformed event would otherwise be copied to the dead-letter topic).
    /// </summary>
    public bool Withholds(ConsumedEvent consumed)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        if (string.IsNullOrEmpty(consumed.Key) || Of(consumed.Position.Partition.Value).Book.MayProcess(consumed.Key))
        {
            return false;
        }
        LogDroppedWithoutConsent(logger, consumed.Topic);
        return true;
    }

    /// <summary>
    /// Applies a record of the consent topic; returns the patient whose data must now be erased (monitoring refused or
    /// withdrawn), or null. A record nobody can read counts as a refusal from now on, but erases nothing.
    /// </summary>
    /// <exception cref="InvalidDataException">The record has no patient key (to be dead-lettered).</exception>
    public string? Apply(ConsumedEvent consumed)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        if (string.IsNullOrEmpty(consumed.Key))
        {
            throw new InvalidDataException("The consent record has no patient key.");
        }
        var partition = consumed.Position.Partition.Value;
        var book = Of(partition).Book;
        var recorded = ConsentRecords.Apply(book, consumed, context.Clock.GetUtcNow());
        if (recorded is { Status: ConsentStatus.Unreadable })
        {
            LogUnreadableConsent(logger, partition, consumed.Position.Offset.Value);
            return null;
        }
        return book.MayProcess(consumed.Key) ? null : consumed.Key;
    }

    /// <summary>
    /// Marks the consent record handled, owing <paramref name="erase"/>'s patient's erasure since it when one is named
    /// (a later record does not cancel an erasure still owed: a withdrawal is honoured even if consent returns).
    /// </summary>
    public void Handled(ConsumedEvent consumed, string? erase)
    {
        ArgumentNullException.ThrowIfNull(consumed);
        var held = Of(consumed.Position.Partition.Value);
        if (erase is not null)
        {
            held.Owed.Add(erase, consumed.Position.Offset.Value);
        }
        held.NextOffset = consumed.Position.Offset.Value + 1;
    }

    /// <summary>Whether the partition owes an erasure.</summary>
    public bool Owes(int partition) => _partitions.TryGetValue(partition, out var held) && held.Owed.Count > 0;

    /// <summary>
    /// Runs <paramref name="erase"/> for every patient the partition owes an erasure; one that succeeds is settled, one
    /// that fails stays owed (logged by its exception type only) and is tried again on the next call.
    /// </summary>
    public async Task EraseOwedAsync(int partition, Func<string, CancellationToken, Task> erase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erase);
        if (!_partitions.TryGetValue(partition, out var held))
        {
            return;
        }
        foreach (var patientId in held.Owed.Patients)
        {
            try
            {
                await erase(patientId, cancellationToken);
                held.Owed.Settle(patientId);
                LogErased(logger, partition);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogErasureFailed(logger, partition, ex.GetType().Name);
            }
        }
    }

    /// <summary>
    /// The consent partition's offset the consumer may store now: past every record handled, but not past one whose
    /// erasure is still owed. Empty before the partition's first consent record.
    /// </summary>
    public IReadOnlyList<TopicPartitionOffset> StorableOffset(int partition) =>
        _partitions.TryGetValue(partition, out var held) && held.NextOffset is { } next
            ? [new TopicPartitionOffset(context.Topics.Consent, partition, held.Owed.StorableOffset(next))]
            : NothingToStore;

    private Partition Of(int partition) =>
        _partitions.TryGetValue(partition, out var held) ? held : throw new InvalidOperationException("No consents are held for a partition this consumer does not hold.");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped an event on {Topic}: its patient has no monitoring consent")]
    private static partial void LogDroppedWithoutConsent(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consent record at partition {Partition} offset {Offset} could not be read; its patient counts as not consenting until a valid record follows")]
    private static partial void LogUnreadableConsent(ILogger logger, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased a patient's data in partition {Partition}: monitoring consent refused or withdrawn")]
    private static partial void LogErased(ILogger logger, int partition);

    [LoggerMessage(Level = LogLevel.Error, Message = "Erasing a patient's data in partition {Partition} failed ({Error}); their events are dropped meanwhile, the erasure is retried and the consent offset waits for it")]
    private static partial void LogErasureFailed(ILogger logger, int partition, string error);

    /// <summary>One partition's consents, the erasures it owes, and the next consent offset to read.</summary>
    private sealed class Partition(ConsentBook book)
    {
        public ConsentBook Book { get; } = book;

        public OwedErasures Owed { get; } = new();

        public long? NextOffset { get; set; }
    }
}
