using System.Globalization;
using System.Text;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.DeviceTransports;

/// <summary>Writes readings as an HL7 v2.5 ORU^R01 and reads the Gateway's ACK of it, with the standard separators.</summary>
internal static class OruMessage
{
    public static string Write(IReadOnlyList<VitalSignReading> readings, string sendingApplication, string controlId, DateTimeOffset now)
    {
        var message = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"MSH|^~\\&|{Escape(sendingApplication)}||VITALTWIN||{Time(now)}||ORU^R01^ORU_R01|{controlId}|P|2.5\r");
        string? patient = null;
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            if (reading.PatientId != patient || i == 0)
            {
                patient = reading.PatientId;
                message.Append(CultureInfo.InvariantCulture, $"PID|1||{Escape(patient)}\rOBR|1|||vitals\r");
            }
            var code = reading.Code is { Loinc.Length: > 0 } ? $"{Escape(reading.Code.Loinc)}^^LN" : $"^{Escape(reading.Code?.Mdc ?? "")}^MDC";
            var time = reading.ObservedAt is { } at ? Time(at.ToDateTimeOffset()) : "";
            message.Append(CultureInfo.InvariantCulture,
                $"OBX|{i + 1}|NM|{code}||{reading.Value.ToString("0.###############", CultureInfo.InvariantCulture)}|{Escape(reading.Unit)}^^UCUM|||||F|||{time}||||{Escape(reading.DeviceId)}\r");
        }
        return message.ToString();
    }

    /// <summary>The ACK as an IngestAck: each ERR's OBX number names the reading (from 1), its fifth field the reason.</summary>
    public static IngestAck ReadAcknowledgement(string acknowledgement, string controlId, IReadOnlyList<VitalSignReading> readings)
    {
        var segments = acknowledgement.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('|')).ToList();
        var msa = segments.FirstOrDefault(s => s[0] == "MSA") ?? throw new IOException("the Gateway's acknowledgement has no MSA segment");
        if (Field(msa, 2) != controlId)
        {
            throw new IOException("the Gateway acknowledged another message than the one sent");
        }
        var errors = segments.Where(s => s[0] == "ERR").ToList();
        if (Field(msa, 1) == "AR")
        {
            var reason = errors.Count > 0 ? Component(Field(errors[0], 5), 0) : "";
            var detail = errors.Count > 0 ? Unescape(Field(errors[0], 8)) : Unescape(Field(msa, 3));
            throw reason == "NOT_STORED"
                ? new GatewayUnavailableException($"the Gateway did not store the readings: {detail}")
                : new DeviceRefusedException($"the Gateway refused the message ({reason}): {detail}");
        }
        var ack = new IngestAck();
        foreach (var error in errors)
        {
            var location = Field(error, 2).Split('^');
            if (location[0] != "OBX" || location.Length < 2 || !int.TryParse(location[1], CultureInfo.InvariantCulture, out var observation)
                || observation < 1 || observation > readings.Count)
            {
                throw new IOException("the Gateway's acknowledgement names no OBX of the message");
            }
            var reading = readings[observation - 1];
            ack.Rejections.Add(new ReadingRejection
            {
                Index = (uint)(observation - 1),
                DeviceId = reading.DeviceId,
                SequenceNumber = reading.SequenceNumber,
                Reason = Enum.TryParse<RejectionReason>(Component(Field(error, 5), 0).Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var reason)
                    ? reason
                    : RejectionReason.Unspecified,
                Detail = Unescape(Field(error, 8)),
            });
        }
        ack.Rejected = (uint)ack.Rejections.Count;
        ack.Accepted = (uint)(readings.Count - ack.Rejections.Count);
        return ack;
    }

    private static string Field(string[] segment, int number) => number < segment.Length ? segment[number] : "";

    private static string Component(string field, int index) => field.Split('^') is var components && index < components.Length ? components[index] : "";

    private static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyyMMddHHmmss.ffff", CultureInfo.InvariantCulture) + "+0000";

    private static string Escape(string text) => new StringBuilder(text)
        .Replace("\\", "\\E\\").Replace("|", "\\F\\").Replace("^", "\\S\\").Replace("&", "\\T\\").Replace("~", "\\R\\")
        .Replace('\r', ' ').Replace('\n', ' ')
        .ToString();

    private static string Unescape(string text)
    {
        var plain = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var end = text[i] == '\\' ? text.IndexOf('\\', i + 1) : -1;
            if (end == i + 2 && "FSTRE".Contains(text[i + 1], StringComparison.Ordinal))
            {
                plain.Append(text[i + 1] switch { 'F' => '|', 'S' => '^', 'T' => '&', 'R' => '~', _ => '\\' });
                i = end;
                continue;
            }
            plain.Append(text[i]);
        }
        return plain.ToString();
    }
}
