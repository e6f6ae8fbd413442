namespace VitalTwin.Gateway.Fhir;

internal static class FhirDoorExtensions
{
    public static void AddFhirDoor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FhirOptions>().BindConfiguration(FhirOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ObservationProfiles>();
        builder.Services.AddHostedService<ObservationProfiles.WarmUpService>();
        builder.Services.AddSingleton<ObservationReadings>();
        builder.Services.AddSingleton<FhirDoor>();
    }

    public static void MapFhirDoor(this WebApplication app)
    {
        // The door authenticates its callers itself (FhirSenders), so that every refusal is an OperationOutcome.
        app.MapPost("/fhir", (FhirDoor door, HttpContext http, CancellationToken cancellationToken) => door.PostBundleAsync(http, cancellationToken))
            .AllowAnonymous();
        var fhir = app.MapGroup("/fhir").AllowAnonymous();
        fhir.MapPost("/Observation", (FhirDoor door, HttpContext http, CancellationToken cancellationToken) => door.PostObservationAsync(http, cancellationToken));
        fhir.MapGet("/metadata", () => FhirOutcomes.Answer(StatusCodes.Status200OK, FhirCapabilities.Statement));
    }
}
