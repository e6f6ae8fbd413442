namespace VitalTwin.Gateway.Ingestion;

/// <summary>
/// Who sent readings, as its front door authenticated it: a device, which may send only its own readings, or a
/// system (an <c>ingest</c> client over FHIR, an HL7 v2 sender), which may send those of the devices registered
/// with it as their ingest system. Every front door hands the ingestion core one of these, never a transport's identity.
/// </summary>
internal sealed record Sender
{
    private Sender(string name, bool isDevice)
    {
        Name = name;
        IsDevice = isDevice;
    }

    /// <summary>The device id, or the system's name as device registrations give it (<c>ingest_system</c>).</summary>
    public string Name { get; }

    public bool IsDevice { get; }

    public static Sender Device(string deviceId) => new(deviceId, isDevice: true);

    public static Sender System(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(name, isDevice: false);
    }
}
