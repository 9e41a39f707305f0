using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Pool.Signals;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// The inbox's order for a pause and a resume that come close together, fed straight to
/// <see cref="SignalInbox.Deliver"/> (no handlers registered) on a fake clock. The real signals
/// are in <c>SignalTests</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignalOrderTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _seen = [];

    private SignalInbox Attached()
    {
        var inbox = new SignalInbox([], _time);
        inbox.Attach(s => _seen.Add(SignalNames.Name(s)));
        return inbox;
    }

    [Fact]
    public void A_pause_seen_just_after_a_resume_is_followed_by_the_resume_again()
    {
        using var inbox = Attached();
        inbox.Deliver(PosixSignal.SIGCONT);
        _time.Advance(TimeSpan.FromMilliseconds(3));
        inbox.Deliver(SignalNames.Usr2);
        Assert.Equal(["CONT", "USR2", "CONT"], _seen);
    }

    [Fact]
    public void A_pause_well_after_a_resume_stands()
    {
        using var inbox = Attached();
        inbox.Deliver(PosixSignal.SIGCONT);
        _time.Advance(PauseResumeOrder.Window);
        inbox.Deliver(SignalNames.Usr2);
        Assert.Equal(["CONT", "USR2"], _seen);
    }

    [Fact]
    public void A_pause_then_a_resume_in_their_own_order_pass_unchanged()
    {
        using var inbox = Attached();
        inbox.Deliver(SignalNames.Usr2);
        inbox.Deliver(PosixSignal.SIGCONT);
        inbox.Deliver(PosixSignal.SIGTERM);
        Assert.Equal(["USR2", "CONT", "TERM"], _seen);
    }

    [Fact]
    public void Signals_held_before_attach_are_arranged_the_same_way()
    {
        using var inbox = new SignalInbox([], _time);
        inbox.Deliver(PosixSignal.SIGCONT);
        inbox.Deliver(SignalNames.Usr2);
        inbox.Attach(s => _seen.Add(SignalNames.Name(s)));
        Assert.Equal(["CONT", "USR2", "CONT"], _seen);
    }
}
