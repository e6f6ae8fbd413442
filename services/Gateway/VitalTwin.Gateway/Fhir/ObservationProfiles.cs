using System.Diagnostics;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Fhir;

/// <summary>
/// Validates Observations with the Firely validator against the base R4 definitions and the vital-signs profiles of
/// the specification (Hl7.Fhir.Specification.Data.R4's zip): the profile of the vital the Observation codes (heart
/// rate, blood pressure...), which derives from the generic vital-signs profile, or that one when it codes none of them.
/// </summary>
internal sealed partial class ObservationProfiles(ILogger<ObservationProfiles> logger)
{
    public const string VitalSigns = "http://hl7.org/fhir/StructureDefinition/vitalsigns";

    // LOINC code the specific profile fixes → the profile.
    private static readonly (string Loinc, string Profile)[] Specific =
    [
        ("8867-4", "http://hl7.org/fhir/StructureDefinition/heartrate"),
        ("9279-1", "http://hl7.org/fhir/StructureDefinition/resprate"),
        ("2708-6", "http://hl7.org/fhir/StructureDefinition/oxygensat"),
        ("8310-5", "http://hl7.org/fhir/StructureDefinition/bodytemp"),
        ("85354-9", "http://hl7.org/fhir/StructureDefinition/bp"),
    ];

    // The specification is the same for every host of a process (and tests start many): its compiled schemas are
    // shared. The validator is safe to use from several requests at once.
    private static readonly Lazy<Validator> Shared = new(Build);

    /// <summary>The profile an Observation is validated against.</summary>
    public static string ProfileOf(Observation observation)
    {
        var codes = observation.Code?.Coding.Where(c => c.System == ObservationReadings.LoincSystem).Select(c => c.Code).ToHashSet(StringComparer.Ordinal) ?? [];
        return Specific.FirstOrDefault(p => codes.Contains(p.Loinc)).Profile ?? VitalSigns;
    }

    /// <summary>The validator's errors (and fatal issues) for <paramref name="observation"/>; empty when it conforms.</summary>
    public IReadOnlyList<OperationOutcome.IssueComponent> Errors(Observation observation) =>
        [.. Shared.Value.Validate(observation, ProfileOf(observation)).Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)];

    /// <summary>
    /// Loads the specification and compiles the profiles: a cold first validation takes seconds, a warm one a few
    /// milliseconds, so the Gateway pays it as it starts rather than on a device's first request.
    /// </summary>
    public void WarmUp()
    {
        var started = Stopwatch.GetTimestamp();
        // Each profile compiles on first use; systolic pressure alone is validated against the generic one.
        foreach (var loinc in Specific.Select(p => p.Loinc).Append("8480-6"))
        {
            Errors(new Observation
            {
                Status = ObservationStatus.Final,
                Code = new CodeableConcept(ObservationReadings.LoincSystem, loinc),
                Effective = new FhirDateTime(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
                Value = new Quantity(1, "/min"),
            });
        }
        LogWarm(logger, Stopwatch.GetElapsedTime(started));
    }

    private static Validator Build()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, new LocalTerminologyService(resolver), referenceResolver: null, new ValidationSettings());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "FHIR profile validation ready after {Elapsed}")]
    private static partial void LogWarm(ILogger logger, TimeSpan elapsed);

    /// <summary>
    /// Warms the validator beside the start, not before it: the other doors need no FHIR, and a FHIR request that comes
    /// first waits for the one validator being built. Off (<see cref="FhirOptions.WarmUp"/>), the first request builds it.
    /// </summary>
    internal sealed class WarmUpService(ObservationProfiles profiles, IOptions<FhirOptions> options) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
            options.Value.WarmUp ? Task.Run(profiles.WarmUp, stoppingToken) : Task.CompletedTask;
    }
}
