namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>ORU^R01 messages as a bedside monitor gateway writes them, one OBR of vitals for one patient.</summary>
internal static class Oru
{
    /// <summary>An HL7 time with its offset: <paramref name="secondsBefore"/> seconds before the test's now.</summary>
    public static string Time(int secondsBefore) => Readings.Now.AddSeconds(-secondsBefore).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "+0000";

    public static string Message(string control, IEnumerable<string> observations, string patient = Readings.PatientId, string version = "2.5") =>
        $"MSH|^~\\&|MONITOR-GW|WARD7|VITALTWIN|HOSPITAL|{Time(0)}||ORU^R01^ORU_R01|{control}|P|{version}\r" +
        $"PID|1||{patient}^^^HOSPITAL^MR||Doe^Jane\r" +
        $"OBR|1|||vitals^Vital signs|||{Time(30)}\r" +
        string.Concat(observations.Select((o, i) => o.Replace("OBX|#|", $"OBX|{i + 1}|", StringComparison.Ordinal) + "\r"));

    /// <summary>One OBX: <paramref name="code"/> and <paramref name="unit"/> as OBX-3 and OBX-6 are written, status F, the device in OBX-18.</summary>
    public static string Obx(string code, string value, string unit, string device = Readings.DeviceId, int secondsBefore = 10, string type = "NM", string status = "F") =>
        $"OBX|#|{type}|{code}||{value}|{unit}|||||{status}|||{Time(secondsBefore)}||||{device}";

    public static string HeartRate(string value = "72", int secondsBefore = 10, string device = Readings.DeviceId) =>
        Obx("8867-4^Heart rate^LN", value, "/min^^UCUM", device, secondsBefore);
}
