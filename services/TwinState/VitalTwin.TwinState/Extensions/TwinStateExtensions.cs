using VitalTwin.Clinical;
using VitalTwin.Kafka;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Extensions;

internal static class TwinStateExtensions
{
    public static void AddTwinState(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TwinQueryOptions>().BindConfiguration(TwinQueryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton<TwinRegistry>();
        builder.Services.AddEventConsumer<TwinConsumer>();
    }

    public static void MapTwinState(this WebApplication app) => app.MapGrpcService<TwinQueryService>();
}
