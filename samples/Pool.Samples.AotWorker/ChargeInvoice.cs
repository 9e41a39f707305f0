using System.Globalization;
using System.Text.Json.Serialization;
using Pool.Worker.Jobs;

namespace Pool.Samples.AotWorker;

/// <summary>A record argument, as apps send them: {"Id":"INV-1","Amount":12.50,"Lines":["a","b"]}.</summary>
public sealed record Invoice(string Id, decimal Amount, string[] Lines);

/// <summary>
/// Takes an <see cref="Invoice"/> and appends "id amount lines" to path. A record whose
/// constructor takes a decimal is what reflection cannot bind in a Native AOT app: its contract
/// is generated at build time (<see cref="AotWorkerJson"/>) and registered in Program.cs.
/// </summary>
public sealed class ChargeInvoice : IJob
{
    public void Perform(Invoice invoice, string path) =>
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{invoice.Id} {invoice.Amount} {invoice.Lines.Length}\n"));
}

/// <summary>The contracts of this app's own argument types, generated at build time.</summary>
[JsonSerializable(typeof(Invoice))]
internal sealed partial class AotWorkerJson : JsonSerializerContext;
