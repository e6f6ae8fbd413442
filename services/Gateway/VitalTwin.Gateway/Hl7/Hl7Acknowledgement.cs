using System.Globalization;
using System.Reflection;
using System.Text;
using Google.Protobuf.Reflection;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Hl7;

/// <summary>An OBX refused in an AE, or the reason an AR refuses a whole message.</summary>
internal sealed record Hl7Error(int? Observation, int Code, string Reason, string Detail);

/// <summary>
/// The original-mode acknowledgement of a message: MSH with sender and receiver swapped, the message's own version and
/// separators, <c>ACK^R01^ACK</c>; MSA with AA, AE or AR and the message's control id; one ERR per refusal.
/// </summary>
internal static class Hl7Acknowledgement
{
    public const string Accepted = "AA";
    public const string Error = "AE";
    public const string Rejected = "AR";

    /// <summary>HL7 table 0357 codes used, with their table text.</summary>
    private static readonly Dictionary<int, string> Table0357 = new()
    {
        [100] = "Segment sequence error",
        [101] = "Required field missing",
        [102] = "Data type error",
        [103] = "Table value not found",
        [200] = "Unsupported message type",
        [203] = "Unsupported version id",
        [204] = "Unknown key identifier",
        [207] = "Application internal error",
    };

    /// <summary>The table 0357 code for a reading the door or the ingestion core refused.</summary>
    public static int Code(RejectionReason reason) => reason switch
    {
        RejectionReason.Malformed => 102,
        RejectionReason.UnknownVital or RejectionReason.UnknownUnit => 103,
        RejectionReason.UnknownDevice or RejectionReason.DeviceMismatch => 204,
        _ => 207,
    };

    /// <summary>The reason's name as the contract spells it, without its prefix: <c>RATE_LIMITED</c>.</summary>
    public static string Name(RejectionReason reason) =>
        (typeof(RejectionReason).GetField(reason.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? reason.ToString())
            .Replace("REJECTION_REASON_", "", StringComparison.Ordinal);

    /// <param name="message">The message answered; null when it could not be read, and the ACK then has the standard separators.</param>
    public static string Build(Hl7Message? message, string code, IReadOnlyList<Hl7Error> errors, string controlId, DateTimeOffset now)
    {
        var d = message?.Delimiters ?? Hl7Delimiters.Standard;
        var header = message?.Header;
        string Raw(int field) => header?.Raw(field) ?? "";
        var version = header is null ? "2.5" : Raw(12);
        var f = d.Field;
        var ack = new StringBuilder();
        ack.Append(CultureInfo.InvariantCulture, $"MSH{f}{d.Encoding}{f}{Raw(5)}{f}{Raw(6)}{f}{Raw(3)}{f}{Raw(4)}{f}{Time(now)}{f}{f}")
            .Append(CultureInfo.InvariantCulture, $"ACK{d.Component}R01{d.Component}ACK{f}{controlId}{f}{(header is null ? "P" : Raw(11))}{f}{version}\r");
        var text = code switch
        {
            Accepted => "",
            Error => $"{errors.Count} observation(s) refused",
            _ => errors.Count > 0 ? errors[0].Detail : "",
        };
        ack.Append(CultureInfo.InvariantCulture, $"MSA{f}{code}{f}{Raw(10)}{f}{d.Escaped(text)}\r");
        foreach (var error in errors)
        {
            var table = Table0357[error.Code];
            var location = error.Observation is { } n ? $"OBX{d.Component}{n}" : "";
            var oldLocation = $"{location}{d.Component}{d.Component}{error.Code}{d.Subcomponent}{table}{d.Subcomponent}HL70357";
            ack.Append(CultureInfo.InvariantCulture,
                $"ERR{f}{oldLocation}{f}{location}{f}{error.Code}{d.Component}{table}{d.Component}HL70357{f}E{f}{error.Reason}{d.Component}{d.Component}99VT{f}{f}{f}{d.Escaped(error.Detail)}\r");
        }
        return ack.ToString();
    }

    private static string Time(DateTimeOffset now) => now.ToUniversalTime().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+0000";
}
