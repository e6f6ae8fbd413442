namespace VitalTwin.TwinState.Consent;

internal static class ConsentRegistration
{
    /// <summary>ConsentRegistry over gRPC, answered from the consent book that AddConsentBook keeps current.</summary>
    public static void MapConsentRegistry(this WebApplication app) => app.MapGrpcService<ConsentRegistryService>();
}
