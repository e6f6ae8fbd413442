using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>Reads a scenario file (JSON, see SCENARIOS.md) and validates it.</summary>
public static partial class ScenarioLoader
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A misspelt field would otherwise be ignored silently and its default used.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new TimeSpanJsonConverter(), new TimeRangeJsonConverter(), new SeverityRangeJsonConverter() },
    };

    /// <exception cref="ScenarioValidationException">The file is not valid JSON or not a valid scenario.</exception>
    public static Scenario Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <param name="json">The scenario file's text.</param>
    /// <param name="origin">Names the scenario in error messages, e.g. its file name.</param>
    /// <exception cref="ScenarioValidationException">The text is not valid JSON or not a valid scenario.</exception>
    public static Scenario Parse(string json, string origin)
    {
        ArgumentNullException.ThrowIfNull(json);
        ScenarioDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<ScenarioDocument>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new ScenarioValidationException(origin, [Describe(ex)]);
        }
        if (document is null)
        {
            throw new ScenarioValidationException(origin, [new ScenarioError("(file)", "expected a JSON object, found null")]);
        }

        var errors = new List<ScenarioError>();
        var (scenario, eventIndex, artifactIndex) = ToScenario(document, errors);
        if (scenario is null)
        {
            throw new ScenarioValidationException(origin, errors);
        }
        // Entries that could not be read are left out of the scenario; the rest are still checked, under their own index.
        errors.AddRange(ScenarioValidator.Validate(scenario).Select(e => e with { Field = Reindex(Reindex(e.Field, "events", eventIndex), "artifacts", artifactIndex) }));
        return errors.Count == 0 ? scenario : throw new ScenarioValidationException(origin, errors);
    }

    private static string Reindex(string field, string list, List<int> fileIndex)
    {
        var prefix = $"{list}[";
        if (!field.StartsWith(prefix, StringComparison.Ordinal))
        {
            return field;
        }
        var close = field.IndexOf(']', StringComparison.Ordinal);
        var index = int.Parse(field.AsSpan(prefix.Length, close - prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
        return $"{prefix}{fileIndex[index]}{field[close..]}";
    }

    // Null when a field that everything depends on is missing; entries with an unknown kind are left out, and the
    // index lists say where each remaining entry stands in the file.
    private static (Scenario? Scenario, List<int> EventIndex, List<int> ArtifactIndex) ToScenario(ScenarioDocument document, List<ScenarioError> errors)
    {
        void Missing(string field) => errors.Add(new ScenarioError(field, "is required"));

        if (document.Name is null)
        {
            Missing("name");
        }
        if (document.Seed is null)
        {
            Missing("seed");
        }
        if (document.Duration is null)
        {
            Missing("duration");
        }
        var cohort = ToCohort(document.Cohort, errors);
        var sampling = ToSampling(document.Sampling, errors);
        var noise = ToNoise(document.Noise, errors);
        var (events, eventIndex) = (new List<EventSpec>(), new List<int>());
        for (var i = 0; i < (document.Events?.Count ?? 0); i++)
        {
            if (ToEvent(document.Events![i], $"events[{i}]", errors) is { } spec)
            {
                events.Add(spec);
                eventIndex.Add(i);
            }
        }
        var (artifacts, artifactIndex) = (new List<ArtifactSpec>(), new List<int>());
        for (var i = 0; i < (document.Artifacts?.Count ?? 0); i++)
        {
            if (ToArtifact(document.Artifacts![i], $"artifacts[{i}]", errors) is { } spec)
            {
                artifacts.Add(spec);
                artifactIndex.Add(i);
            }
        }
        if (document.Name is null || document.Seed is null || document.Duration is null || cohort is null)
        {
            return (null, eventIndex, artifactIndex);
        }
        var scenario = new Scenario
        {
            Name = document.Name!,
            Description = document.Description,
            Seed = document.Seed!.Value,
            Start = document.Start ?? Scenario.DefaultStart,
            Duration = document.Duration!.Value,
            Cohort = cohort!,
            Sampling = sampling,
            Noise = noise,
            Events = events,
            Artifacts = artifacts,
        };
        return (scenario, eventIndex, artifactIndex);
    }

    private static CohortSpec? ToCohort(CohortDocument? document, List<ScenarioError> errors)
    {
        if (document is null)
        {
            errors.Add(new ScenarioError("cohort", "is required"));
            return null;
        }
        if (document.Size is null)
        {
            errors.Add(new ScenarioError("cohort.size", "is required"));
            return null;
        }
        var defaults = new CohortSpec { Size = 1 };
        var age = defaults.Age;
        if (document.Age is { } a)
        {
            age = new AgeSpec(a.Min ?? age.Min, a.Max ?? age.Max, a.Mean ?? age.Mean, a.Sd ?? age.StandardDeviation);
        }
        var conditions = defaults.Conditions;
        if (document.Conditions is { } given)
        {
            var parsed = new Dictionary<PatientCondition, double>();
            foreach (var (name, weight) in given)
            {
                if (ScenarioNames.TryParse<PatientCondition>(name, out var condition))
                {
                    parsed[condition] = weight;
                }
                else
                {
                    errors.Add(new ScenarioError($"cohort.conditions.{name}", $"unknown condition; one of {ScenarioNames.AllOf<PatientCondition>()}"));
                }
            }
            conditions = parsed;
        }
        return new CohortSpec { Size = document.Size.Value, Age = age, Conditions = conditions, IdPrefix = document.IdPrefix };
    }

    private static SamplingSpec ToSampling(SamplingDocument? document, List<ScenarioError> errors)
    {
        var defaults = new SamplingSpec();
        if (document is null)
        {
            return defaults;
        }
        var intervals = new Dictionary<VitalSign, TimeSpan>(defaults.Intervals);
        foreach (var (name, interval) in document.Intervals ?? [])
        {
            if (ScenarioNames.TryParseVital(name, out var sign))
            {
                intervals[sign] = interval;
            }
            else
            {
                errors.Add(new ScenarioError($"sampling.intervals.{name}", $"unknown vital; one of {ScenarioNames.AllVitals()}"));
            }
        }
        return new SamplingSpec { Intervals = intervals, Jitter = document.Jitter ?? defaults.Jitter, Missing = document.Missing ?? defaults.Missing };
    }

    private static NoiseSpec ToNoise(NoiseDocument? document, List<ScenarioError> errors)
    {
        var defaults = new NoiseSpec();
        if (document is null)
        {
            return defaults;
        }
        var distribution = document.Distribution is null ? defaults.Distribution
            : Kind<NoiseDistribution>(document.Distribution, "noise.distribution", errors) ?? defaults.Distribution;
        return new NoiseSpec { Scale = document.Scale ?? defaults.Scale, Distribution = distribution, DegreesOfFreedom = document.DegreesOfFreedom };
    }

    private static EventSpec? ToEvent(EventDocument? document, string path, List<ScenarioError> errors)
    {
        if (document is null)
        {
            errors.Add(new ScenarioError(path, "expected an event object, found null"));
            return null;
        }
        var kind = Kind<ClinicalEventKind>(document.Kind, $"{path}.kind", errors);
        if (document.Onset is null)
        {
            errors.Add(new ScenarioError($"{path}.onset", "is required"));
        }
        return kind is null || document.Onset is null
            ? null
            : new EventSpec
            {
                Kind = kind.Value,
                Patients = document.Patients,
                Share = document.Share,
                Onset = document.Onset,
                Ramp = document.Ramp,
                Duration = document.Duration,
                Persistent = document.Persistent,
                Severity = document.Severity,
            };
    }

    private static ArtifactSpec? ToArtifact(ArtifactDocument? document, string path, List<ScenarioError> errors)
    {
        if (document is null)
        {
            errors.Add(new ScenarioError(path, "expected an artifact object, found null"));
            return null;
        }
        var kind = Kind<ArtifactKind>(document.Kind, $"{path}.kind", errors);
        ProbeOffSelection? mode = null;
        if (document.Mode is not null)
        {
            mode = Kind<ProbeOffSelection>(document.Mode, $"{path}.mode", errors);
            if (mode is null)
            {
                return null;
            }
        }
        return kind is null
            ? null
            : new ArtifactSpec
            {
                Kind = kind.Value,
                PerPatientDay = document.PerPatientDay,
                Count = document.Count,
                Duration = document.Duration,
                Flagged = document.Flagged,
                Mode = mode,
            };
    }

    private static TEnum? Kind<TEnum>(string? name, string field, List<ScenarioError> errors)
        where TEnum : struct, Enum
    {
        if (name is null)
        {
            errors.Add(new ScenarioError(field, $"is required; one of {ScenarioNames.AllOf<TEnum>()}"));
            return null;
        }
        if (ScenarioNames.TryParse<TEnum>(name, out var kind))
        {
            return kind;
        }
        errors.Add(new ScenarioError(field, $"'{name}' is not one of {ScenarioNames.AllOf<TEnum>()}"));
        return null;
    }

    // The serializer's messages name .NET types; a scenario author needs the field, the line and what to write.
    private static ScenarioError Describe(JsonException ex)
    {
        var field = ex.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "(file)";
        var line = ex.LineNumber is { } zeroBased ? $"line {zeroBased + 1}: " : string.Empty;
        var message = ex.Message;
        var problem =
            UnknownField().Match(message) is { Success: true } unknown ? $"unknown field '{unknown.Groups[1].Value}' (SCENARIOS.md lists the fields)"
            : message.Contains("could not be converted to", StringComparison.Ordinal) ? $"expected {ExpectedType(message)}"
            : CutPathSuffix(message);
        return new ScenarioError(field, line + problem);
    }

    private static string ExpectedType(string message) =>
        message.Contains("Dictionary", StringComparison.Ordinal) ? "an object"
        : message.Contains("List", StringComparison.Ordinal) ? "an array"
        : message.Contains("TimeSpan", StringComparison.Ordinal) ? TimeSpanJsonConverter.Expected["expected ".Length..]
        : message.Contains("DateTimeOffset", StringComparison.Ordinal) ? "an ISO-8601 date and time with offset, e.g. \"2025-01-06T00:00:00Z\""
        : message.Contains("Int32", StringComparison.Ordinal) || message.Contains("Int64", StringComparison.Ordinal) ? "a whole number"
        : message.Contains("Double", StringComparison.Ordinal) ? "a number"
        : message.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
        : message.Contains("String", StringComparison.Ordinal) ? "a string"
        : "an object";

    private static string CutPathSuffix(string message)
    {
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }

    [GeneratedRegex("'([^']*)' could not be mapped")]
    private static partial Regex UnknownField();
}
