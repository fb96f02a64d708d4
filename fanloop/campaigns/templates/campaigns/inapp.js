(function(){var box=document.getElementById("inapp");if(!box){return;}
function beacon(kind){var data=new FormData();data.append("kind",kind);data.append("release",box.dataset.release);data.append("platform",box.dataset.platform);
if(navigator.sendBeacon){navigator.sendBeacon(box.dataset.event,data);}else{fetch(box.dataset.event,{method:"POST",body:data,keepalive:true});}}
var open=document.getElementById("open-browser");if(open){open.addEventListener("click",function(){beacon("open_browser");});}
var input=document.getElementById("inapp-link"),status=document.getElementById("copy-status");
document.getElementById("copy-link").addEventListener("click",function(){beacon("copy_link");
function done(){status.textContent="Link copied. Paste it in your browser.";}
if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(input.value).then(done,function(){input.select();document.execCommand("copy");done();});}
else{input.select();document.execCommand("copy");done();}});})();
