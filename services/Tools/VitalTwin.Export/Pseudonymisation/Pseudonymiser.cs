using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VitalTwin.Export.Pseudonymisation;

/// <summary>
/// Everything the export derives from a patient id, keyed by the export key: the pseudonym and the time shift. Each
/// derivation has its own label, so knowing one (a pseudonym) says nothing about another (the shift). Without the key
/// neither can be computed from an id nor inverted; with another key both are unrelated to these.
/// </summary>
internal sealed class Pseudonymiser
{
    /// <summary>The HMAC is truncated to 128 bits: collisions stay negligible (about 2^-64 for 2^32 patients).</summary>
    public const int PseudonymBytes = 16;

    /// <summary>The shortest shift: ten years forward, so no exported date can be mistaken for a real one.</summary>
    public const int MinimumShiftWeeks = 520;

    /// <summary>How many whole-week shifts a patient can get: 5,200, i.e. between 10 and 110 years forward.</summary>
    public const int ShiftWeekChoices = 5_200;

    public const string Scheme = "HMAC-SHA256 of the patient id under the export key, truncated to 128 bits, lowercase hex";

    public const string TimeShiftScheme = "per-patient forward shift of a whole number of weeks (520 to 5,719, i.e. about 10 to 110 years), "
        + "derived from the export key and the patient id: intervals, time of day and day of week are kept, calendar dates are not";

    private static readonly byte[] PseudonymLabel = Encoding.UTF8.GetBytes("vitaltwin.export.pseudonym.v1");
    private static readonly byte[] ShiftLabel = Encoding.UTF8.GetBytes("vitaltwin.export.time-shift.v1");
    private static readonly byte[] KeyIdLabel = Encoding.UTF8.GetBytes("vitaltwin.export.key-id.v1");

    private readonly byte[] _key;

    public Pseudonymiser(ReadOnlySpan<byte> key)
    {
        if (key.Length < ExportOptions.MinimumKeyBytes)
        {
            throw new ArgumentException($"The export key must be at least {ExportOptions.MinimumKeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
        KeyId = Convert.ToHexStringLower(HMACSHA256.HashData(_key, KeyIdLabel).AsSpan(0, 8));
    }

    /// <summary>
    /// A public fingerprint of the key (64 bits of an HMAC under it): two datasets with the same key id are linkable,
    /// two with different ones are not. It reveals nothing usable about the key itself.
    /// </summary>
    public string KeyId { get; }

    public string Pseudonym(string patientId) => Convert.ToHexStringLower(Derive(PseudonymLabel, patientId).AsSpan(0, PseudonymBytes));

    /// <summary>What is added to every time of the patient's readings.</summary>
    public TimeSpan TimeShift(string patientId)
    {
        var draw = BinaryPrimitives.ReadUInt64LittleEndian(Derive(ShiftLabel, patientId));
        var weeks = MinimumShiftWeeks + (int)(draw % ShiftWeekChoices);
        return TimeSpan.FromDays(7L * weeks);
    }

    private byte[] Derive(byte[] label, string patientId)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        // label, a zero byte, then the id: no id can be made to read as another label's input.
        var message = new byte[label.Length + 1 + Encoding.UTF8.GetByteCount(patientId)];
        label.CopyTo(message, 0);
        Encoding.UTF8.GetBytes(patientId, message.AsSpan(label.Length + 1));
        return HMACSHA256.HashData(_key, message);
    }
}
