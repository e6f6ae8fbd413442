using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Gateway.Hl7;

/// <summary>A whole message the door refuses (AR): <see cref="Code"/> from HL7 table 0357, <see cref="Reason"/> a name the sender can act on.</summary>
internal sealed class Hl7MessageRefusedException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;
}

/// <summary>An OBX the door took as a reading, and where it stood in its message (the n-th OBX, from 1).</summary>
internal sealed record ObservationReading(int Observation, VitalSignReading Reading);

/// <summary>An OBX the door could not make a reading of, refused before the ingestion core.</summary>
internal sealed record ObservationRefusal(int Observation, RejectionReason Reason, string Detail);

/// <summary>
/// Reads an ORU^R01 (v2.3 to v2.6) into readings: PID-3 the patient, OBX-3 the vital (LOINC or MDC), OBX-5 and OBX-6
/// the value and unit, OBX-14 (else OBR-7) the time, OBX-18 the device. An OBX that names no reading is refused on
/// its own; a message that is not an ORU^R01 of a supported version is refused whole.
/// </summary>
internal static class OruReadings
{
    public static readonly IReadOnlySet<string> Versions = new HashSet<string>(StringComparer.Ordinal) { "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6" };

    private static readonly IReadOnlySet<string> TakenStatuses = new HashSet<string>(StringComparer.Ordinal) { "F", "C", "R", "P" };

    /// <summary>Checks MSH: an ORU^R01 of a supported version, with a control id.</summary>
    public static void CheckHeader(Hl7Message message)
    {
        var header = message.Header;
        if (header.Value(9, 1) != "ORU" || header.Value(9, 2) != "R01")
        {
            throw new Hl7MessageRefusedException(200, "UNSUPPORTED_MESSAGE", "only ORU^R01 messages are taken");
        }
        if (!Versions.Contains(header.Value(12)))
        {
            throw new Hl7MessageRefusedException(203, "UNSUPPORTED_VERSION", $"MSH-12 must be one of {string.Join(", ", Versions)}");
        }
        if (header.Value(10).Length == 0)
        {
            throw new Hl7MessageRefusedException(101, "MALFORMED", "MSH-10 (message control id) is empty");
        }
    }

    public static (List<ObservationReading> Readings, List<ObservationRefusal> Refusals) Read(Hl7Message message, VitalCatalogue catalogue)
    {
        var readings = new List<ObservationReading>();
        var refusals = new List<ObservationRefusal>();
        string? patient = null;
        string obrTime = "";
        var observation = 0;
        foreach (var segment in message.Segments)
        {
            switch (segment.Id)
            {
                case "PID":
                    patient = segment.Value(3);
                    obrTime = "";
                    break;
                case "OBR":
                    obrTime = segment.Value(7);
                    break;
                case "OBX":
                    observation++;
                    var (reading, refusal) = ReadOrRefuse(segment, patient, obrTime, catalogue);
                    if (reading is not null)
                    {
                        readings.Add(new ObservationReading(observation, reading));
                    }
                    else
                    {
                        refusals.Add(new ObservationRefusal(observation, refusal!.Value.Reason, refusal.Value.Detail));
                    }
                    break;
            }
        }
        return (readings, refusals);
    }

    private static (VitalSignReading?, (RejectionReason Reason, string Detail)?) ReadOrRefuse(Hl7Segment obx, string? patient, string obrTime, VitalCatalogue catalogue)
    {
        try
        {
            return Read(obx, patient, obrTime, catalogue);
        }
        catch (Hl7ParseException ex)
        {
            return (null, (RejectionReason.Malformed, ex.Message));
        }
    }

    private static (VitalSignReading?, (RejectionReason Reason, string Detail)?) Read(Hl7Segment obx, string? patient, string obrTime, VitalCatalogue catalogue)
    {
        if (patient is null)
        {
            return (null, (RejectionReason.Malformed, "no PID segment before the OBX"));
        }
        if (obx.Value(2) != "NM")
        {
            return (null, (RejectionReason.Malformed, "OBX-2 (value type) must be NM"));
        }
        var status = obx.Value(11);
        if (!TakenStatuses.Contains(status))
        {
            return (null, (RejectionReason.Malformed, "OBX-11 (result status) must be F, C, R or P"));
        }
        var device = obx.Value(18);
        if (device.Length == 0)
        {
            return (null, (RejectionReason.Malformed, "OBX-18 (equipment instance identifier) names no device"));
        }
        var (loinc, mdc) = (Code(obx, "LN"), Code(obx, "MDC"));
        if (loinc.Length == 0 && mdc.Length == 0)
        {
            return (null, (RejectionReason.UnknownVital, "OBX-3 holds no LOINC (LN) code and no MDC reference name (MDC)"));
        }
        var value = obx.Value(5);
        // NM: an optional sign, digits and a decimal point; no exponent, no grouping, no spaces.
        if (!double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return (null, (RejectionReason.Malformed, "OBX-5 is not a number"));
        }
        var timeText = obx.Value(14) is { Length: > 0 } observed ? observed : obrTime;
        if (timeText.Length == 0)
        {
            return (null, (RejectionReason.Malformed, "neither OBX-14 nor OBR-7 gives the observation time"));
        }
        if (!Hl7Time.TryParse(timeText, out var time))
        {
            return (null, (RejectionReason.Malformed, "the observation time is not an HL7 time to the minute with a UTC offset"));
        }
        var reading = new VitalSignReading
        {
            PatientId = patient,
            DeviceId = device,
            ObservedAt = Timestamp.FromDateTimeOffset(time),
            Code = new VitalCode { Loinc = loinc, Mdc = mdc },
            Value = number,
            Unit = Unit(obx),
        };
        DerivedIdentity.Assign(reading, catalogue);
        return (reading, null);
    }

    /// <summary>
    /// The code OBX-3 gives in <paramref name="system"/>, from its first triplet or its alternate (components 4 to 6):
    /// a LOINC code by its identifier, an MDC code by its reference name (<c>MDC_PULS_OXIM_SAT_O2</c>), which the catalogue knows.
    /// </summary>
    private static string Code(Hl7Segment obx, string system)
    {
        foreach (var first in (int[])[1, 4])
        {
            if (obx.Value(3, first + 2) == system)
            {
                return obx.Value(3, system == "MDC" ? first + 1 : first);
            }
        }
        return "";
    }

    /// <summary>OBX-6: an MDC unit by its reference name (<c>262688^MDC_DIM_PERCENT^MDC</c>), else its identifier (UCUM or a local spelling).</summary>
    private static string Unit(Hl7Segment obx)
    {
        var spelled = obx.Value(6, 3) == "MDC" || obx.Value(6, 1).Length == 0 ? obx.Value(6, 2) : obx.Value(6, 1);
        return UnitSpellings.Ucum(spelled);
    }
}

/// <summary>HL7 TS/DTM: <c>YYYYMMDDHHMM[SS[.S[S[S[S]]]]]±ZZZZ</c>, read only to the minute or finer and only with its UTC offset.</summary>
internal static class Hl7Time
{
    public static bool TryParse(string text, out DateTimeOffset time)
    {
        time = default;
        var sign = text.IndexOfAny(['+', '-']);
        if (sign < 0 || text.Length - sign != 5)
        {
            return false;
        }
        var local = text[..sign];
        var offset = text[(sign + 1)..];
        if (local.Length is not (12 or 14) && !(local.Length is >= 16 and <= 19 && local[14] == '.'))
        {
            return false;
        }
        var digits = local.Replace(".", "", StringComparison.Ordinal);
        if (!digits.All(char.IsAsciiDigit) || !offset.All(char.IsAsciiDigit))
        {
            return false;
        }
        var offsetHours = int.Parse(offset[..2], CultureInfo.InvariantCulture);
        var offsetMinutes = int.Parse(offset[2..], CultureInfo.InvariantCulture);
        if (offsetHours > 14 || offsetMinutes > 59)
        {
            return false;
        }
        var span = new TimeSpan(offsetHours, offsetMinutes, 0);
        var format = local.Length switch
        {
            12 => "yyyyMMddHHmm",
            14 => "yyyyMMddHHmmss",
            _ => "yyyyMMddHHmmss." + new string('F', local.Length - 15),
        };
        if (!DateTime.TryParseExact(local, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock))
        {
            return false;
        }
        try
        {
            time = new DateTimeOffset(clock, text[sign] == '-' ? -span : span);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            // Near year 1 or 9999 the offset moves the time out of range.
            return false;
        }
    }
}
