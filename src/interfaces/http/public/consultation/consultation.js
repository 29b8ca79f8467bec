// Demo client for a video consultation: Socket.io signalling + a plain RTCPeerConnection.
// Negotiation rule: the doctor makes the offer whenever both parties are in the room; the patient answers.
'use strict';

(function main() {
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');
  const appointmentId = params.get('appointmentId');
  const statusEl = document.getElementById('status');
  const localVideo = document.getElementById('local');
  const remoteVideo = document.getElementById('remote');
  const leaveButton = document.getElementById('leave');
  const endButton = document.getElementById('end');

  // State visible to people (the #status line) and to tests (window.hv).
  const hv = { pc: null, remoteTracks: [], role: null, peers: [], state: 'starting', errors: [] };
  window.hv = hv;

  function show(state, text) {
    hv.state = state;
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function fail(text) {
    hv.errors.push(text);
    show('error', text);
  }

  if (!token || !appointmentId) {
    fail('Add ?token=…&appointmentId=… to the address.');
    return;
  }

  let socket = null;
  let localStream = null;
  let iceServers = [];
  let pendingCandidates = [];

  function closePeer() {
    if (hv.pc) hv.pc.close();
    hv.pc = null;
    pendingCandidates = [];
    remoteVideo.srcObject = null;
  }

  function newPeer() {
    closePeer();
    const pc = new RTCPeerConnection({ iceServers });
    hv.pc = pc;
    hv.remoteTracks = [];
    for (const track of localStream.getTracks()) pc.addTrack(track, localStream);
    pc.onicecandidate = (e) => {
      if (e.candidate) socket.emit('ice-candidate', { appointmentId, candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => {
      hv.remoteTracks.push({ kind: e.track.kind, id: e.track.id, readyState: e.track.readyState });
      if (e.streams[0]) remoteVideo.srcObject = e.streams[0];
    };
    pc.onconnectionstatechange = () => {
      if (hv.pc !== pc) return;
      const state = pc.connectionState;
      if (state === 'connected') show('connected', 'Connected — you are in the consultation.');
      else if (state === 'failed') fail('The media connection failed (a TURN server may be needed on this network).');
      else show(state, `Connection: ${state}`);
    };
    return pc;
  }

  async function flushCandidates() {
    const queued = pendingCandidates;
    pendingCandidates = [];
    for (const c of queued) await hv.pc.addIceCandidate(c);
  }

  async function call() {
    const pc = newPeer();
    show('calling', 'Calling the patient…');
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    socket.emit('offer', { appointmentId, sdp: { type: offer.type, sdp: offer.sdp } });
  }

  async function onOffer(message) {
    // Candidates that overtook the offer belong to this new call.
    const early = pendingCandidates;
    const pc = newPeer();
    pendingCandidates = early;
    show('answering', 'The doctor is calling…');
    await pc.setRemoteDescription(message.sdp);
    await flushCandidates();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    socket.emit('answer', { appointmentId, sdp: { type: answer.type, sdp: answer.sdp } });
  }

  async function onAnswer(message) {
    if (!hv.pc) return;
    await hv.pc.setRemoteDescription(message.sdp);
    await flushCandidates();
  }

  async function onCandidate(message) {
    if (!message.candidate) return;
    if (hv.pc && hv.pc.remoteDescription) await hv.pc.addIceCandidate(message.candidate);
    else pendingCandidates.push(message.candidate);
  }

  const guarded = (fn) => (message) => fn(message).catch((e) => fail(`Signalling error: ${e.message}`));

  function join() {
    socket.emit('join-room', { appointmentId }, (answer) => {
      if (!answer || !answer.ok) {
        fail(`Could not join: ${answer ? answer.message || answer.error : 'no answer'}`);
        return;
      }
      hv.role = answer.role;
      hv.peers = answer.peers;
      leaveButton.disabled = false;
      endButton.hidden = answer.role !== 'doctor';
      if (answer.peers.length === 0) show('waiting', 'Waiting for the other party to join…');
      else if (answer.role === 'doctor') guarded(call)();
      else show('waiting', 'Waiting for the doctor to start the call…');
    });
  }

  async function start() {
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    } catch (e) {
      fail(`Camera/microphone unavailable: ${e.message}`);
      return;
    }
    localVideo.srcObject = localStream;
    const res = await fetch('/api/webrtc/ice-servers', { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) {
      fail(`Could not get ICE servers (HTTP ${res.status}) — is the token valid?`);
      return;
    }
    iceServers = (await res.json()).iceServers;

    socket = io({ auth: { token }, transports: ['websocket'] });
    socket.on('connect', join);
    socket.on('connect_error', (e) => fail(`Connection refused: ${e.message}`));
    socket.on('peer-joined', (peer) => {
      hv.peers = [peer];
      if (hv.role === 'doctor') guarded(call)();
      else show('waiting', 'The doctor joined; waiting for the call…');
    });
    socket.on('peer-left', () => {
      hv.peers = [];
      closePeer();
      show('waiting', 'The other party left; waiting for them to come back…');
    });
    socket.on('room-ended', () => {
      closePeer();
      show('ended', 'The doctor ended the consultation.');
    });
    socket.on('offer', guarded(onOffer));
    socket.on('answer', guarded(onAnswer));
    socket.on('ice-candidate', guarded(onCandidate));
    socket.on('error', (e) => hv.errors.push(`${e.code}: ${e.message}`));

    leaveButton.onclick = () => {
      socket.emit('leave-room', { appointmentId }, () => {});
      closePeer();
      show('left', 'You left the consultation.');
    };
    endButton.onclick = () => socket.emit('end-room', { appointmentId }, (answer) => {
      if (!answer.ok) fail(`Could not end: ${answer.message}`);
    });
  }

  start().catch((e) => fail(e.message));
})();
