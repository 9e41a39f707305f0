using Pool.Protocol.Scripts;

namespace Pool.Protocol.Scheduling;

/// <summary>The atomic scripts of delayed jobs and the scheduler's lease (Scripts/Lua/delayed_*.lua, scheduler_*.lua).</summary>
internal static class SchedulingScripts
{
    public static readonly LuaScriptText Push = LuaScriptText.Load("delayed_push");
    public static readonly LuaScriptText Remove = LuaScriptText.Load("delayed_remove");
    public static readonly LuaScriptText Move = LuaScriptText.Load("delayed_move");
    public static readonly LuaScriptText Tick = LuaScriptText.Load("scheduler_tick");
    public static readonly LuaScriptText Release = LuaScriptText.Load("scheduler_release");
}
