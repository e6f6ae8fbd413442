using System.Collections.Concurrent;
using VitalTwin.Clinical.Consent;

namespace VitalTwin.Notification;

/// <summary>
/// The consents of the patients of each owned partition (the consent topic is co-partitioned with the topics
/// Notification reads), restored when a partition is taken and kept current by the consumer. The dispatcher asks
/// them too, so that a decision the clock reaches for a patient who just withdrew raises nothing.
/// </summary>
internal sealed class PatientConsents
{
    private readonly ConcurrentDictionary<int, ConsentBook> _books = new();

    public void Adopt(int partition, ConsentBook book) => _books[partition] = book;

    public ConsentBook Of(int partition) =>
        _books.TryGetValue(partition, out var book) ? book : throw new InvalidOperationException("No consents are held for a partition this instance does not own.");

    /// <summary>False for a partition not owned: its consents are unknown here.</summary>
    public bool MayProcess(int partition, string patientId) => _books.TryGetValue(partition, out var book) && book.MayProcess(patientId);

    public void Drop(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            _books.TryRemove(partition, out _);
        }
    }
}
