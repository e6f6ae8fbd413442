using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// The identity of a reading that arrived without one: SenML over MQTT, a FHIR Observation and an HL7 v2 OBX carry no
/// device sequence number. Such a reading is named by what it is, its device, vital and observation time, so that a
/// resent message is recognised as a duplicate by the Gateway and downstream alike. Downstream a device's sequence
/// numbers must rise with time (see <c>AppliedReadings</c>), so the number is the observation time in milliseconds,
/// times 64, plus the vital's place in the catalogue: two vitals observed together stay distinct. Consequence a door
/// documents: a device's readings must be sent in observation order, as monitors and hubs do; one older than a reading
/// of the same device already sent counts downstream as seen. <see cref="Order"/> sorts a message's own readings.
/// </summary>
internal static class DerivedIdentity
{
    /// <summary>The boot all derived numbers belong to ("VTDERIVE"): never a device's own, so the two never mix.</summary>
    public const ulong BootId = 0x5654_4445_5249_5645;

    private const int VitalSlots = 64;

    /// <summary>Gives <paramref name="reading"/> its derived boot and sequence number; it must have its device, code and time.</summary>
    public static void Assign(VitalSignReading reading, VitalCatalogue catalogue)
    {
        reading.BootId = BootId;
        reading.SequenceNumber = SequenceNumber(reading.ObservedAt, reading.Code, catalogue);
    }

    /// <summary>Sorts readings by their derived number, so a message listing them out of time order still sends them in order.</summary>
    public static void Order(List<VitalSignReading> readings) =>
        readings.Sort((a, b) => a.SequenceNumber.CompareTo(b.SequenceNumber));

    private static ulong SequenceNumber(Timestamp? observedAt, VitalCode? code, VitalCatalogue catalogue)
    {
        // A reading without a valid time or a known code is refused by validation; it gets a number all the same.
        if (observedAt is null || !ReadingValidator.IsRepresentable(observedAt) || observedAt.Seconds < 0)
        {
            return 0;
        }
        var milliseconds = (ulong)observedAt.Seconds * 1_000 + (ulong)observedAt.Nanos / 1_000_000;
        return milliseconds * VitalSlots + (ulong)Slot(code, catalogue);
    }

    // The vital's place in the catalogue; the last slot for a code it does not know (validation refuses the reading).
    private static int Slot(VitalCode? code, VitalCatalogue catalogue)
    {
        if (code is not null && catalogue.TryFind(code.Loinc, code.Mdc, out var definition))
        {
            for (var slot = 0; slot < catalogue.All.Count; slot++)
            {
                if (ReferenceEquals(catalogue.All[slot], definition))
                {
                    return slot;
                }
            }
        }
        return VitalSlots - 1;
    }
}
