using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Hl7;

internal static class Hl7DoorExtensions
{
    /// <summary>The HL7 v2 door on its Kestrel endpoint, when <c>Gateway:Hl7:Enabled</c>.</summary>
    public static void AddHl7Door(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<Hl7Options>().BindConfiguration(Hl7Options.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Hl7Options>, Hl7Options.Validator>();
        services.AddSingleton<Hl7Senders>();
        services.AddSingleton<Hl7Listener>();
        services.AddSingleton<MllpConnectionHandler>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<Hl7Options>, Hl7Listener>((kestrel, options, listener) =>
        {
            if (options.Value.Enabled)
            {
                kestrel.ConfigurationLoader?.Endpoint(options.Value.Endpoint, listener.Attach);
            }
        });
    }
}
