using System.Collections.Concurrent;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// Which readings of each device Kafka already has, so that a resent (or flooded) reading is acknowledged again
/// without a second copy on the telemetry topic. Per device it keeps the boot it last delivered from, the highest
/// sequence number delivered in that boot and which of the <see cref="Window"/> numbers below it were delivered,
/// as anti-replay windows in network protocols do: a batch that failed and is resent after later ones were stored
/// still gets through. A reading of another boot (a restarted device numbering from 1 again) is never taken for a
/// resend, and once delivered it starts the window afresh. A sequence number older than the window, a resend from
/// an earlier boot, or a resend to another Gateway instance or after a restart, is published again and left to the
/// consumers' own de-duplication. Only readings of registered devices are recorded, at about 200 bytes a device.
/// Thread-safe; devices do not contend with one another (each has its own lock).
/// </summary>
internal sealed class DeliveredReadings
{
    /// <summary>More than a batch holds, so resending the last batch or two is recognised.</summary>
    public const int Window = 1_024;

    private readonly ConcurrentDictionary<string, Seen> _byDevice = new(StringComparer.Ordinal);

    public bool Contains(string deviceId, ulong bootId, ulong sequenceNumber)
    {
        if (!_byDevice.TryGetValue(deviceId, out var seen))
        {
            return false;
        }
        lock (seen)
        {
            return bootId == seen.BootId
                && sequenceNumber <= seen.Highest
                && seen.Highest - sequenceNumber < Window
                && seen.Has(sequenceNumber);
        }
    }

    public void Add(string deviceId, ulong bootId, ulong sequenceNumber)
    {
        var seen = _byDevice.GetOrAdd(deviceId, static (_, first) => new Seen(first.bootId, first.sequenceNumber), (bootId, sequenceNumber));
        lock (seen)
        {
            if (bootId != seen.BootId)
            {
                seen.Restart(bootId, sequenceNumber);
            }
            else if (sequenceNumber > seen.Highest)
            {
                // The numbers skipped on the way up were not delivered (yet): their bits still hold older ones.
                for (var skipped = seen.Highest + 1; skipped < sequenceNumber && skipped - seen.Highest <= Window; skipped++)
                {
                    seen.Clear(skipped);
                }
                seen.Highest = sequenceNumber;
            }
            if (seen.Highest - sequenceNumber < Window)
            {
                seen.Set(sequenceNumber);
            }
        }
    }

    /// <summary>A ring of <see cref="Window"/> bits indexed by sequence number, valid below <see cref="Highest"/> in <see cref="BootId"/>.</summary>
    private sealed class Seen(ulong bootId, ulong highest)
    {
        private readonly ulong[] _bits = new ulong[Window / 64];

        public ulong BootId { get; private set; } = bootId;

        public ulong Highest { get; set; } = highest;

        /// <summary>Forgets the previous boot: nothing of the new one was delivered below <paramref name="first"/>.</summary>
        public void Restart(ulong bootId, ulong first)
        {
            Array.Clear(_bits);
            BootId = bootId;
            Highest = first;
        }

        public bool Has(ulong sequenceNumber) => (_bits[Word(sequenceNumber)] & Bit(sequenceNumber)) != 0;

        public void Set(ulong sequenceNumber) => _bits[Word(sequenceNumber)] |= Bit(sequenceNumber);

        public void Clear(ulong sequenceNumber) => _bits[Word(sequenceNumber)] &= ~Bit(sequenceNumber);

        private static int Word(ulong sequenceNumber) => (int)(sequenceNumber % Window / 64);

        private static ulong Bit(ulong sequenceNumber) => 1UL << (int)(sequenceNumber % 64);
    }
}
