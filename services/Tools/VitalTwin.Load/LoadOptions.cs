using System.ComponentModel.DataAnnotations;
using System.Globalization;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load;

/// <summary>
/// What to run. Zero for <see cref="Streams"/>, <see cref="Patients"/> or <see cref="Deteriorating"/> means
/// "derive it from the rate"; <see cref="Resolve"/> fills them in and validates the whole.
/// </summary>
internal sealed class LoadOptions : IValidatableObject
{
    /// <summary>Readings a vital-signs monitor sends per tick: heart rate, SpO2, respiration, systolic pressure, temperature.</summary>
    public const int VitalsPerPatient = 5;

    /// <summary>
    /// Every new patient's first tick costs TwinState five twin-events, each published before the next reading is
    /// applied, so admitting patients is slow; beyond this many by default, patients tick faster instead.
    /// </summary>
    public const int MaxDefaultPatients = 2_000;

    /// <summary>The front doors the benchmark can drive: the ones monitors send through as themselves.</summary>
    public static readonly IReadOnlyList<DeviceTransportKind> DrivableTransports = [DeviceTransportKind.Grpc, DeviceTransportKind.Mqtt, DeviceTransportKind.Fhir, DeviceTransportKind.Hl7];

    /// <summary>The Gateway's front doors to measure, one run each, in this order.</summary>
    public IReadOnlyList<DeviceTransportKind> Transports { get; set; } = [DeviceTransportKind.Grpc];

    /// <summary>The door this run drives (see <see cref="ForPath"/>).</summary>
    public DeviceTransportKind Transport { get; set; } = DeviceTransportKind.Grpc;

    /// <summary>Target readings per second, offered by all streams together.</summary>
    [Range(1, 10_000_000)]
    public int Rate { get; set; } = 10_000;

    /// <summary>Length of the measured window, in seconds.</summary>
    [Range(1, 3_600)]
    public int Duration { get; set; } = 60;

    /// <summary>Load at the target rate before the window opens (JIT, connection pools, consumer fetch sessions), in seconds.</summary>
    [Range(0, 600)]
    public int Warmup { get; set; } = 5;

    /// <summary>Partitions per topic of the embedded Kafka cluster.</summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 6;

    /// <summary>Instances of each service, each a process of its own, sharing the service's consumer group.</summary>
    [Range(1, 64)]
    public int Replicas { get; set; } = 1;

    /// <summary>Concurrent IngestStream calls; 0 = one per 2,500 readings/s, between 2 and 64.</summary>
    [Range(0, 1_000)]
    public int Streams { get; set; }

    /// <summary>Readings per batch on a stream: whole monitor ticks of five vitals, at most the Gateway's default limit.</summary>
    [Range(VitalsPerPatient, 1_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Simulated patients, one monitor each; 0 = as many as tick once a second at the target rate, at most
    /// <see cref="MaxDefaultPatients"/> (above that rate monitors tick faster).
    /// </summary>
    [Range(0, 1_000_000)]
    public int Patients { get; set; }

    /// <summary>Patients who deteriorate once, at known instants in the window, to NEWS2 7 or more; 0 = a tenth of them, at most 2,000.</summary>
    [Range(0, 100_000)]
    public int Deteriorating { get; set; }

    /// <summary>Patients whose twins are watched (TwinQuery.WatchTwins) to measure device-to-twin latency.</summary>
    [Range(1, 1_000)]
    public int TwinSample { get; set; } = 100;

    /// <summary>How long a stream call runs before it is completed for its acknowledgement and a new one opened, in seconds.</summary>
    [Range(0.1, 60)]
    public double StreamSeconds { get; set; } = 1;

    /// <summary>After the window: how long to wait for the twins to reflect the last readings and for the expected alerts, in seconds.</summary>
    [Range(1, 600)]
    public int DrainTimeout { get; set; } = 60;

    /// <summary>How long to wait for the twins of every patient's first tick before the warm-up, in seconds.</summary>
    [Range(1, 3_600)]
    public int AdmissionTimeout { get; set; } = 300;

    /// <summary>Seconds between status lines.</summary>
    [Range(0.5, 600)]
    public double StatusInterval { get; set; } = 5;

    /// <summary>Where load-&lt;rate&gt;.json and .md are written.</summary>
    [Required]
    public string OutputDirectory { get; set; } = Path.Combine("artifacts", "load");

    /// <summary>
    /// The registrar's bearer token the monitors are registered with; unset, the run mints one from the identity
    /// provider of the one-machine system it starts.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>Extra configuration for every service, as environment variables (on top of warnings-only logging).</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; set; } = new Dictionary<string, string>();

    public int PatientsPerBatch => BatchSize / VitalsPerPatient;

    /// <summary>These settings, for the run through <paramref name="transport"/>.</summary>
    public LoadOptions ForPath(DeviceTransportKind transport)
    {
        var path = (LoadOptions)MemberwiseClone();
        path.Transport = transport;
        return path;
    }

    /// <summary>Fills in the derived values and validates; throws <see cref="ValidationException"/> with every problem.</summary>
    public LoadOptions Resolve()
    {
        if (Streams == 0)
        {
            Streams = Math.Clamp((int)Math.Ceiling(Rate / 2_500.0), 2, 64);
        }
        if (Patients == 0)
        {
            // Monitors tick once a second up to the cap, and every stream needs whole batches of distinct patients.
            Patients = Math.Max(Math.Min((int)Math.Ceiling(Rate / (double)VitalsPerPatient), MaxDefaultPatients), Streams * PatientsPerBatch);
        }
        if (Deteriorating == 0)
        {
            Deteriorating = Math.Clamp(Patients / 10, 1, 2_000);
        }
        TwinSample = Math.Min(TwinSample, Patients);

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ValidationException(string.Join(" ", results.Select(r => r.ErrorMessage)));
        }
        return this;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BatchSize % VitalsPerPatient != 0)
        {
            yield return new ValidationResult($"--batch-size must be a multiple of {VitalsPerPatient}: a batch carries whole monitor ticks.", [nameof(BatchSize)]);
        }
        if (Streams > 0 && Patients > 0 && Patients < Streams * PatientsPerBatch)
        {
            yield return new ValidationResult($"--patients must be at least streams x batch size / {VitalsPerPatient} ({Streams * PatientsPerBatch}), so no batch names a patient twice.", [nameof(Patients)]);
        }
        if (AccessToken is not null && (string.IsNullOrWhiteSpace(AccessToken) || AccessToken.Any(char.IsWhiteSpace)))
        {
            yield return new ValidationResult("--access-token, when given, is a bearer token: no blanks.", [nameof(AccessToken)]);
        }
        if (Replicas > Partitions)
        {
            yield return new ValidationResult("--replicas cannot exceed --partitions: a replica beyond the partition count holds nothing.", [nameof(Replicas)]);
        }
        if (Transports.Count == 0 || Transports.Any(t => !DrivableTransports.Contains(t)))
        {
            yield return new ValidationResult($"--transports takes {Names(DrivableTransports)}.", [nameof(Transports)]);
        }
        foreach (var twice in Transports.GroupBy(t => t).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"--transports names {Name(twice.Key)} twice: each door runs once.", [nameof(Transports)]);
        }
        if (Deteriorating > Patients && Patients > 0)
        {
            yield return new ValidationResult("--deteriorating cannot exceed --patients.", [nameof(Deteriorating)]);
        }
    }

    public static string Name(DeviceTransportKind transport) => transport.ToString().ToLowerInvariant();

    private static string Names(IEnumerable<DeviceTransportKind> transports) => string.Join(", ", transports.Select(Name));

    /// <summary>
    /// <c>--transports=grpc[,mqtt][,fhir][,hl7] --rate=&lt;readings/s&gt; --duration=&lt;s&gt; --warmup=&lt;s&gt; --partitions=&lt;n&gt; --replicas=&lt;n&gt; --streams=&lt;n&gt; --batch-size=&lt;readings&gt;
    /// --patients=&lt;n&gt; --deteriorating=&lt;n&gt; --twin-sample=&lt;n&gt; --stream-seconds=&lt;s&gt; --drain-timeout=&lt;s&gt;
    /// --admission-timeout=&lt;s&gt; --status-interval=&lt;s&gt; --output=&lt;dir&gt; --access-token=&lt;jwt&gt;</c>, as <c>--name=value</c> or <c>--name value</c>.
    /// </summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var parts = args[i].Split('=', 2);
            var value = parts.Length == 2 ? parts[1]
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{parts[0]} takes a whole number, not '{value}'.");
            double Real() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ArgumentException($"{parts[0]} takes a number, not '{value}'.");
            switch (parts[0])
            {
                case "--rate": options.Rate = Int(); break;
                case "--duration": options.Duration = Int(); break;
                case "--warmup": options.Warmup = Int(); break;
                case "--partitions": options.Partitions = Int(); break;
                case "--replicas": options.Replicas = Int(); break;
                case "--streams": options.Streams = Int(); break;
                case "--batch-size": options.BatchSize = Int(); break;
                case "--patients": options.Patients = Int(); break;
                case "--deteriorating": options.Deteriorating = Int(); break;
                case "--twin-sample": options.TwinSample = Int(); break;
                case "--stream-seconds": options.StreamSeconds = Real(); break;
                case "--drain-timeout": options.DrainTimeout = Int(); break;
                case "--admission-timeout": options.AdmissionTimeout = Int(); break;
                case "--status-interval": options.StatusInterval = Real(); break;
                case "--output": options.OutputDirectory = value; break;
                case "--access-token": options.AccessToken = value; break;
                case "--transports": options.Transports = ParseTransports(value); break;
                default:
                    throw new ArgumentException($"Unknown option {parts[0]}. Options: --transports, --rate, --duration, --warmup, --partitions, --replicas, --streams, --batch-size, --patients, --deteriorating, --twin-sample, --stream-seconds, --drain-timeout, --admission-timeout, --status-interval, --output, --access-token.");
            }
        }
        options.Transport = options.Transports.FirstOrDefault();
        return options;
    }

    private static List<DeviceTransportKind> ParseTransports(string value) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries).Select(name =>
            Enum.GetValues<DeviceTransportKind>().Cast<DeviceTransportKind?>().FirstOrDefault(kind => Name(kind!.Value).Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"--transports takes {Names(DrivableTransports)}, separated by commas, not '{name}'."))];
}
