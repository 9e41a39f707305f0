using System.Text.Json;
using Pool.Protocol.Producing;
using Pool.Worker.Jobs;

namespace Pool.Worker.Tests.Jobs;

public sealed class JobBindingTests
{
    public sealed class Greeter : IJob
    {
        public static readonly List<string> Calls = [];
        public Task PerformAsync(string name, CancellationToken token, int times = 1)
        {
            lock (Calls) Calls.Add($"{name}x{times}:{token.CanBeCanceled}");
            return Task.CompletedTask;
        }
    }

    [Job("Mailer::Welcome")]
    public sealed class Welcome(Welcome.Clock clock) : IJob
    {
        public sealed record Clock(string Now);
        public static string? Seen;
        public void Perform(long userId) => Seen = $"{userId}@{clock.Now}";
    }

    private static JsonElement Args(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Args_bind_by_position_and_the_token_goes_wherever_it_is_declared()
    {
        var d = new JobRegistry().Add<Greeter>().TryGet("Greeter", out var job) ? job! : throw new InvalidOperationException();
        using var cts = new CancellationTokenSource();
        var values = d.Bind(Args("""["ann", 3]"""), cts.Token);
        Assert.Equal(["ann", cts.Token, 3], values);
        Assert.Equal(1, d.Bind(Args("""["bob"]"""), cts.Token)[2]); // optional parameter default
    }

    [Theory]
    [InlineData("""[]""", "Greeter takes 1 to 2 argument(s) (name: String, times: Int32) but the payload has 0")]
    [InlineData("""["a", 1, 2]""", "but the payload has 3")]
    [InlineData("""["a", "many"]""", "Greeter argument 2 (times) is \"many\", which is not of type Int32")]
    public void Args_that_do_not_bind_say_what_is_wrong(string args, string expected)
    {
        new JobRegistry().Add<Greeter>().TryGet("Greeter", out var job);
        var e = Assert.Throws<JobArgumentException>(() => job!.Bind(Args(args), CancellationToken.None));
        Assert.Contains(expected, e.Message);
    }

    public sealed record Invoice(string Id, decimal Amount, string[] Lines);

    public sealed class Charge : IJob
    {
        public void Perform(Invoice invoice) { }
    }

    [Fact]
    public void A_record_argument_binds_from_keys_in_any_case_as_a_ruby_or_javascript_producer_spells_them()
    {
        new JobRegistry().Add<Charge>().TryGet("Charge", out var job);
        var invoice = Assert.IsType<Invoice>(job!.Bind(Args("""[{"id":"INV-1","amount":12.50,"Lines":["a","b"]}]"""), CancellationToken.None)[0]);
        Assert.Equal(("INV-1", 12.50m, 2), (invoice.Id, invoice.Amount, invoice.Lines.Length));
    }

    [Fact]
    public void A_job_is_found_by_its_job_name_or_full_type_name_but_not_its_plain_type_name_when_renamed()
    {
        var registry = new JobRegistry().Add<Welcome>();
        Assert.True(registry.TryGet("Mailer::Welcome", out _));
        Assert.True(registry.TryGet(typeof(Welcome).FullName!, out _));
        Assert.False(registry.TryGet("Welcome", out _));
        Assert.Equal("Mailer::Welcome", JobNames.Of(typeof(Welcome)));
    }

    [Fact]
    public async Task Jobs_are_constructed_through_the_service_provider()
    {
        var registry = new JobRegistry().Add<Welcome>();
        registry.TryGet("Mailer::Welcome", out var job);
        var invoker = new JobInvoker(new SingleServiceProvider(new Welcome.Clock("noon")));
        await invoker.InvokeAsync(job!, job!.Bind(Args("[42]"), CancellationToken.None));
        Assert.Equal("42@noon", Welcome.Seen);
    }

    /// <summary>A provider that can say what it holds, as Microsoft's container does.</summary>
    private sealed class KnownServices(params object[] services) : IServiceProvider, Microsoft.Extensions.DependencyInjection.IServiceProviderIsService
    {
        public object? GetService(Type type) =>
            type == typeof(Microsoft.Extensions.DependencyInjection.IServiceProviderIsService) ? this : services.FirstOrDefault(type.IsInstanceOfType);

        public bool IsService(Type type) => services.Any(type.IsInstanceOfType);
    }

    [Fact]
    public void A_job_the_worker_could_never_build_is_named_with_what_it_needs()
    {
        new JobRegistry().Add<Welcome>().TryGet("Mailer::Welcome", out var welcome);
        Assert.Contains("has no public parameterless constructor, and pool-worker builds jobs without services", welcome!.ConstructionProblem(null));
        Assert.Contains("not registered: Clock); register them in the ServiceCollection", welcome.ConstructionProblem(new KnownServices()));
        Assert.Null(welcome.ConstructionProblem(new KnownServices(new Welcome.Clock("noon"))));
        // A provider that cannot say what it holds is not second-guessed; a plain job needs nothing.
        Assert.Null(welcome.ConstructionProblem(new SingleServiceProvider(new Welcome.Clock("noon"))));
        new JobRegistry().Add<Greeter>().TryGet("Greeter", out var greeter);
        Assert.Null(greeter!.ConstructionProblem(null));
    }

    public sealed class AsyncVoid : IJob
    {
        public async void Perform() => await Task.Yield();
    }

    [Fact]
    public void An_async_void_perform_is_refused_at_load_since_its_exceptions_would_kill_the_worker_after_an_ack()
    {
        var e = Assert.Throws<ArgumentException>(() => new JobRegistry().Add<AsyncVoid>());
        Assert.Contains("Perform is async void", e.Message, StringComparison.Ordinal);
    }

    public static class Billing
    {
        public sealed class Send : IJob
        {
            public void Perform() { }
        }
    }

    public static class Mail
    {
        public sealed class Send : IJob
        {
            public void Perform() { }
        }
    }

    [Fact]
    public void Two_job_classes_under_one_name_are_refused_rather_than_settled_by_load_order()
    {
        var e = Assert.Throws<ArgumentException>(() => new JobRegistry().Add<Billing.Send>().Add<Mail.Send>());
        Assert.Contains("two job classes answer to 'Send'", e.Message, StringComparison.Ordinal);
        Assert.Contains("JobBindingTests+Billing+Send and ", e.Message, StringComparison.Ordinal);
        Assert.Contains("JobBindingTests+Mail+Send; give one of them another name with [Job(", e.Message, StringComparison.Ordinal);

        // The same class twice (configured in code and found again in its assembly) is no conflict.
        var registry = new JobRegistry().Add<Greeter>().Add<Greeter>();
        Assert.Equal(1, registry.Count);
        Assert.True(registry.TryGet(typeof(Greeter).FullName!, out _));
    }

    public sealed class Fragile : IJob
    {
        public Fragile() => throw new InvalidOperationException("ctor blew up");
        public void Perform() { }
    }

    [Fact]
    public async Task A_constructor_that_throws_fails_the_job_with_its_own_exception_and_a_needed_service_says_how_to_get_it()
    {
        var registry = new JobRegistry().Add<Fragile>().Add<Welcome>();
        registry.TryGet("Fragile", out var fragile);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new JobInvoker(null).InvokeAsync(fragile!, []));
        Assert.Equal("ctor blew up", e.Message); // not "Exception has been thrown by the target of an invocation"

        registry.TryGet("Mailer::Welcome", out var welcome);
        var missing = await Assert.ThrowsAsync<MissingMethodException>(() => new JobInvoker(null).InvokeAsync(welcome!, welcome!.Bind(Args("[42]"), CancellationToken.None)));
        Assert.Contains("Constructor injection needs the jobs hosted with services (PoolWorkerHost.RunAsync", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_the_sample_assembly_registers_every_sample_job()
    {
        var registry = new JobRegistry().AddAssemblyFile(Pool.Testing.Artifacts.SamplesDll);
        Assert.Equal(["AppendLines", "CountTo", "CountToInSlices", "Crash", "Echo", "ExportRows", "Fail", "Flaky", "Hog", "Noop", "Record", "RecordSpan", "Sleep", "Stamp", "Stubborn"], registry.Names);
    }

    /// <summary>The smallest real service provider: one registered instance.</summary>
    private sealed class SingleServiceProvider(object service) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType.IsInstanceOfType(service) ? service : null;
    }
}
